from app.products.auto_insurance.line import AutoInsurance

__all__ = ["AutoInsurance"]
