"""Compiled templates shared by every app the suite makes in one process.

Each test's app has a Jinja environment of its own, which compiles every template it renders
from source: some 16 ms a template, several templates a page, again in every test. Jinja's own
bytecode cache is the supported way to keep compiled templates: a template is taken from it only
when its source has the very checksum it was compiled from, and otherwise compiled afresh. What
Jinja compiles also depends on the environment's settings, so environments are only ever handed
the cache of environments configured exactly like them."""

from __future__ import annotations

from collections.abc import Hashable

from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket


class InMemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self.compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


def compile_settings(environment: Environment) -> Hashable:
    """Everything of an environment that changes the code Jinja compiles a template to."""
    return (
        environment.block_start_string, environment.block_end_string,
        environment.variable_start_string, environment.variable_end_string,
        environment.comment_start_string, environment.comment_end_string,
        environment.line_statement_prefix, environment.line_comment_prefix,
        environment.trim_blocks, environment.lstrip_blocks, environment.newline_sequence,
        environment.keep_trailing_newline, environment.optimized, environment.is_async,
        repr(environment.autoescape), environment.finalize is not None,
        tuple(sorted(environment.extensions)), environment.code_generator_class, environment.context_class,
    )


_CACHES: dict[Hashable, InMemoryBytecodeCache] = {}


def share_compiled_templates(environment: Environment) -> None:
    environment.bytecode_cache = _CACHES.setdefault(compile_settings(environment), InMemoryBytecodeCache())
