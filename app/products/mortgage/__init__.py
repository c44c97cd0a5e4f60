from app.products.mortgage.line import MortgageLine

__all__ = ["MortgageLine"]
