from app.products.refinance.line import RefinanceLine

__all__ = ["RefinanceLine"]
