from __future__ import annotations

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from app.products import PRODUCT_LINES


def test_every_product_line_is_listed_with_its_schemas_criteria_and_presets(client: FlaskClient) -> None:
    response = client.get("/api/v1/products")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    listed = {product["key"]: product for product in response.get_json()["products"]}
    assert set(listed) == set(PRODUCT_LINES) >= {"auto", "mortgage"}  # and any line a plug-in adds
    for key, line in PRODUCT_LINES.items():
        product = listed[key]
        assert (product["name"], product["version"], product["currency"]) == (line.name, line.version, "USD")
        assert product["profile_schema"] == line.profile_schema
        assert product["terms_schema"] == line.terms_schema
        for schema in (product["profile_schema"], product["terms_schema"]):
            Draft202012Validator.check_schema(schema)
            assert schema["examples"], f"{key}: a schema without an example"
            for sample in schema["examples"]:
                assert not list(Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
                                .iter_errors(sample))
        criteria = {criterion["key"] for criterion in product["criteria"]}
        assert criteria and all(criterion["description"] for criterion in product["criteria"])
        assert product["default_preset"] in {preset["key"] for preset in product["presets"]}
        for preset in product["presets"]:
            assert set(preset["weights"]) <= criteria
            assert all(isinstance(weight, str) for weight in preset["weights"].values())  # decimals, never floats


def test_the_auto_line_describes_its_criteria_scales_as_decimal_strings(client: FlaskClient) -> None:
    auto = next(p for p in client.get("/api/v1/products").get_json()["products"] if p["key"] == "auto")
    premium = next(c for c in auto["criteria"] if c["key"] == "annual_premium")
    assert premium["direction"] == "lower"
    assert isinstance(premium["worst"], str) and isinstance(premium["best"], str)
