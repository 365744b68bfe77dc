"""Prices, discounts and taxes: plain functions the handlers call inside and outside steps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

TAX_RATES = {"DE": Decimal("0.19"), "FR": Decimal("0.20"), "NL": Decimal("0.21")}


def line_total(line: dict[str, Any]) -> Decimal:
    return Decimal(str(line["price"])) * int(line["quantity"])


def order_total(lines: list[dict[str, Any]], country: str) -> Decimal:
    subtotal = sum((line_total(line) for line in lines), Decimal(0))
    return (subtotal * (1 + TAX_RATES.get(country, Decimal(0)))).quantize(Decimal("0.01"))


def skus(lines: list[dict[str, Any]]) -> list[str]:
    return sorted({line["sku"] for line in lines})


def categories(products: list[dict[str, Any]]) -> set[str]:
    return {product["category"] for product in products}
