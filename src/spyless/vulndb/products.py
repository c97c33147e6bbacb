"""Product identity: which CPE vendor:product pairs and names denote the same software.

Loaded from ``spyless/data/vulndb/products.json`` (spyless's own table). A component named
``busybox`` or carrying ``cpe:2.3:a:busybox:busybox:...`` is looked up under every pair of
its product, so a CVE filed under ``rob_landley:busybox`` is not missed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Product:
    key: str
    pairs: tuple[tuple[str, str, str], ...]  # (part, vendor, product)
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProductTable:
    products: tuple[Product, ...]

    def by_name(self, name: str) -> Product | None:
        wanted = name.strip().lower()
        for product in self.products:
            if wanted == product.key or wanted in product.names:
                return product
        return None

    def by_pair(self, vendor: str, product_name: str) -> Product | None:
        for product in self.products:
            if any(v == vendor and p == product_name for _, v, p in product.pairs):
                return product
        return None

    def pair_for_name(self, name: str) -> tuple[str, str] | None:
        product = self.by_name(name)
        return None if product is None else product.pairs[0][1:]


@lru_cache(maxsize=1)
def product_table() -> ProductTable:
    text = resources.files("spyless.data.vulndb").joinpath("products.json").read_text("utf-8")
    raw = json.loads(text)["products"]
    products = []
    for key, entry in raw.items():
        pairs = tuple(tuple(p.split(":", 2)) for p in entry["cpe"])
        products.append(Product(key, pairs, tuple(n.lower() for n in entry["names"])))
    return ProductTable(tuple(products))
