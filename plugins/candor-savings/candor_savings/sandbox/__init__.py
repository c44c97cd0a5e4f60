"""The savings line's simulated market: six banks on loopback, registered under the `candor.sandbox`
entry point `savings` so every default market (`make run`, `flask sandbox`, the tests) runs them."""

from __future__ import annotations

from candor_savings.sandbox.banks import BankApp, BankSpec, savings_banks

__all__ = ["BankApp", "BankSpec", "savings_banks"]
