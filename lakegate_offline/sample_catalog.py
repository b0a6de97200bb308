"""A small sample catalog: one database with nothing sensitive, one with PII at every level."""

from __future__ import annotations

from typing import Any

from lakegate_offline.catalog_builder import create_database, create_table

PII = {"pii_flag": "true"}


def load_sample_catalog(glue: Any, *, producer_account: str) -> None:
    """Create ``sales`` (nothing flagged) and ``customers`` (flags on columns, a table, a partition key)."""
    create_database(
        glue,
        "sales",
        data_owner=producer_account,
        owner_name="Sales Analytics",
        description="Orders and products",
    )
    create_table(
        glue, "sales", "orders", columns=["order_id", "product_sku", "amount"], partition_keys=["order_date"]
    )
    create_table(glue, "sales", "products", columns=["sku", "name", "category"])
    create_database(
        glue,
        "customers",
        data_owner=producer_account,
        owner_name="Customer Data",
        description="Customer records",
    )
    create_table(
        glue,
        "customers",
        "profiles",
        columns=["customer_id", ("email", PII), ("phone", PII), "segment"],
        partition_keys=["country"],
    )
    create_table(
        glue, "customers", "payments", columns=["customer_id", "card_token", "amount"], parameters=PII
    )
    create_table(
        glue, "customers", "visits", columns=["customer_id", "page"], partition_keys=[("ip_address", PII)]
    )
