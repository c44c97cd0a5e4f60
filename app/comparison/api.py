"""The comparison use case as the web edges (shop, advisor, api, compliance, admin, the CLIs) see
it: the one module of app/comparison they import. Each name is defined in the module with its
one job:

  preferences.py   presets and the customer's own weights, checked; the preference form
  orchestration.py one comparison: ask every provider, observe progress, rank, record
  recording.py     what goes to the log: a recommendation, a re-rank
  loading.py       a result read back by reference
  replay.py        a logged result ranked again from its logged inputs
  result.py        building a result (settled → ranked blind → named → explained)
  freshness.py, handoff.py, requotes.py  an offer checked fresh with its provider; "Continue with
                   this provider"; an advisor's re-quote of one provider
  health.py, replaces.py, house_notice.py, derived.py  provider health, re-quotes, our-offer
                   notice, the personal part of a result
"""

from app.actors import ANONYMOUS, Actor
from app.comparison.derived import with_personal
from app.comparison.errors import ComparisonError, InputsErased
from app.comparison.freshness import REQUOTE, Asking, OfferUnavailable, ShownOffer
from app.comparison.handoff import HANDOFF, REISSUED, Handoff, OfferChoice, hand_off, price_change
from app.comparison.health import probe, provider_health
from app.comparison.requote_rank import Reranked, replay_rerank
from app.comparison.requotes import RequotedRanking, latest_requotes, requote_provider, requoted_ranking
from app.comparison.house_notice import NOTICE_PROPERTIES
from app.comparison.loading import appended_result, load_result, load_result_at
from app.comparison.orchestration import (
    Comparing,
    ProviderSettled,
    RankingStarted,
    compare,
    finish,
    run_comparison,
)
from app.comparison.preferences import (
    CUSTOM,
    WEIGHT_FIELD,
    InvalidPreferences,
    preference_controls,
    preferences_from_form,
    ranking_criteria,
    resolve_weights,
)
from app.comparison.recording import PERMALINK, rerank
from app.comparison.references import new_reference
from app.comparison.replaces import pointer_to, replaced_comparison, with_replaces
from app.comparison.replay import replay
from app.comparison.result import build_result

__all__ = [
    "ANONYMOUS", "CUSTOM", "HANDOFF", "NOTICE_PROPERTIES", "PERMALINK", "REQUOTE", "WEIGHT_FIELD",
    "Actor", "Asking", "Comparing", "ComparisonError", "Handoff", "InputsErased", "InvalidPreferences", "OfferChoice",
    "OfferUnavailable", "ProviderSettled", "RankingStarted", "REISSUED", "RequotedRanking", "Reranked", "ShownOffer",
    "appended_result", "build_result", "compare", "finish", "hand_off", "latest_requotes", "load_result", "load_result_at", "new_reference", "pointer_to",
    "preference_controls", "preferences_from_form", "price_change", "probe", "provider_health", "ranking_criteria",
    "replaced_comparison", "replay", "replay_rerank", "requote_provider", "requoted_ranking", "rerank", "resolve_weights", "run_comparison", "with_personal",
    "with_replaces",
]
