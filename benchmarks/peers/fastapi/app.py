"""The FastAPI peer of shop-api, for benchmarks/compare: the same product read, stock read and order
transaction on the same PostgreSQL schema (a copy of shop-api's database), with comparable validation:
HS256 bearer tokens with a customer role, the same rules on order items, problem+json errors. Products
and stock levels are cached in process as shop-api caches them (a day; a minute, dropped after an order).
Payments are left pending: shop-api also settles them in the background, which only costs shop-api.

Run: PEER_DATABASE_URL=postgres://... PEER_JWT_SECRET=... uvicorn app:app --port 18290
"""
import os
import time
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import asyncpg
import jwt
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator

DATABASE_URL = os.environ["PEER_DATABASE_URL"]
JWT_SECRET = os.environ["PEER_JWT_SECRET"]
POOL_SIZE = int(os.environ.get("PEER_POOL_SIZE", "20"))
CATALOG_TTL, STOCK_TTL = 86_400.0, 60.0

pool: asyncpg.Pool


@asynccontextmanager
async def lifespan(_: FastAPI):
    global pool
    pool = await asyncpg.create_pool(DATABASE_URL, min_size=POOL_SIZE, max_size=POOL_SIZE)
    yield
    await pool.close()


app = FastAPI(title="shop-api peer (FastAPI)", openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)
products: dict[str, tuple[float, dict]] = {}
stock: dict[str, tuple[float, dict]] = {}


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str, **extra):
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem_response(status: int, title: str, detail: str, **extra) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


@app.exception_handler(Problem)
async def on_problem(_: Request, error: Problem):
    return problem_response(error.status, error.title, error.detail, **error.extra)


@app.exception_handler(RequestValidationError)
async def on_invalid(_: Request, error: RequestValidationError):
    errors = [{"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]} for e in error.errors()]
    return problem_response(422, "Unprocessable Content", "the request body is not valid", errors=errors)


SKU_PATTERN = r"^[A-Z0-9-]{1,32}$"


class Item(BaseModel):
    sku: str = Field(pattern=SKU_PATTERN)
    quantity: int = Field(ge=1, le=10_000)


class OrderBody(BaseModel):
    items: list[Item] = Field(min_length=1, max_length=50)

    @field_validator("items")
    @classmethod
    def distinct_skus(cls, items: list[Item]) -> list[Item]:
        if len({item.sku for item in items}) != len(items):
            raise ValueError("repeats a SKU; put the total quantity on one line")
        return items


def rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cached(cache: dict, key: str):
    entry = cache.get(key)
    return entry[1] if entry and entry[0] > time.monotonic() else None


def checked_sku(sku: str) -> str:
    if not (1 <= len(sku) <= 32) or any(not (c.isascii() and (c.isupper() or c.isdigit() or c == "-")) for c in sku):
        raise Problem(400, "Bad Request", "a SKU is 1-32 characters of A-Z, 0-9 and -")
    return sku


async def cached_read(cache: dict, ttl: float, sku: str, query: str, render, missing: str) -> dict:
    """One row by SKU, rendered, from the cache while fresh, else from PostgreSQL."""
    if (body := cached(cache, checked_sku(sku))) is not None:
        return body
    row = await pool.fetchrow(query, sku)
    if row is None:
        raise Problem(404, "Not Found", f"{missing} {sku}")
    body = render(row)
    cache[sku] = (time.monotonic() + ttl, body)
    return body


@app.get("/v1/products/{sku}")
async def product(sku: str):
    return await cached_read(
        products, CATALOG_TTL, sku, "SELECT sku, name, price_minor, currency FROM products WHERE sku = $1",
        lambda row: {"sku": row["sku"], "name": row["name"], "price": {"amount_minor": row["price_minor"], "currency": row["currency"]}},
        "no product has SKU")


@app.get("/v1/inventory/{sku}")
async def stock_level(sku: str):
    return await cached_read(
        stock, STOCK_TTL, sku, "SELECT sku, quantity, updated_at_ms FROM inventory WHERE sku = $1",
        lambda row: {"sku": row["sku"], "quantity": row["quantity"], "updated_at": rfc3339(row["updated_at_ms"])},
        "no stock level for SKU")


def customer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        raise Problem(401, "Unauthorized", "a bearer token is required")
    try:
        claims = jwt.decode(header[7:], JWT_SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.InvalidTokenError as error:
        raise Problem(401, "Unauthorized", f"the token is not valid: {error}")
    if claims.get("role") != "customer":
        raise Problem(403, "Forbidden", "placing orders needs the customer role")
    return claims["sub"]


@app.post("/v1/orders", status_code=201)
async def place_order(body: OrderBody, request: Request):
    customer_id = customer(request)
    now = int(time.time() * 1000)
    order_id, payment_id = uuid.uuid4().hex, uuid.uuid4().hex
    lines: list[tuple[str, int, int, str] | None] = [None] * len(body.items)
    async with pool.acquire() as connection, connection.transaction():
        # The same guarded decrement as shop-api, in SKU order so that concurrent orders cannot deadlock.
        for index, item in sorted(enumerate(body.items), key=lambda pair: pair[1].sku):
            row = await connection.fetchrow(
                """UPDATE inventory SET quantity = quantity - $1, updated_at_ms = $2
                   WHERE sku = $3 AND quantity >= $1
                   RETURNING (SELECT price_minor FROM products WHERE products.sku = inventory.sku),
                             (SELECT currency FROM products WHERE products.sku = inventory.sku)""",
                item.quantity, now, item.sku)
            if row is None:
                available = await connection.fetchval("SELECT quantity FROM inventory WHERE sku = $1", item.sku)
                if available is None:
                    raise Problem(422, "Unprocessable Content", f"no product has SKU {item.sku}")
                raise Problem(409, "Conflict", f"only {available} of {item.sku} in stock", sku=item.sku, available=available)
            lines[index] = (item.sku, item.quantity, row[0], row[1])
        total = sum(quantity * price for _, quantity, price, _ in lines)
        currency = lines[0][3]
        values = ", ".join(f"($1, ${4 + 4 * i}, ${5 + 4 * i}, ${6 + 4 * i}::bigint, ${7 + 4 * i}::bigint)" for i in range(len(lines)))
        item_params = [p for i, (sku, quantity, price, _) in enumerate(lines) for p in (i + 1, sku, quantity, price)]
        n = 4 + 4 * len(lines)
        await connection.execute(
            f"""WITH step0 AS (INSERT INTO orders (id, customer_id, status, total_minor, currency, created_at_ms, updated_at_ms)
                               VALUES ($1, $2, 'pending', ${n}, $3, ${n + 1}, ${n + 1})),
                     step1 AS (INSERT INTO order_items (order_id, line, sku, quantity, unit_price_minor) VALUES {values}),
                     step2 AS (INSERT INTO payments (id, order_id, amount_minor, currency, status, next_attempt_at_ms, created_at_ms, updated_at_ms)
                               VALUES (${n + 2}, $1, ${n}, $3, 'pending', ${n + 1}, ${n + 1}, ${n + 1}))
                INSERT INTO audit_log (id, at_ms, actor, action, subject, detail)
                VALUES (${n + 3}, ${n + 1}, $2, 'order.placed', $1, ${n + 4})""",
            order_id, customer_id, currency, *item_params, total, now, payment_id, uuid.uuid4().hex,
            f"{len(lines)} lines, total {total} {currency}")
    for sku, *_ in lines:
        stock.pop(sku, None)
    created = rfc3339(now)
    return JSONResponse(
        {"id": order_id, "customer_id": customer_id, "status": "pending",
         "total": {"amount_minor": total, "currency": currency},
         "items": [{"sku": sku, "quantity": quantity, "unit_price": {"amount_minor": price, "currency": cur},
                    "line_total": {"amount_minor": price * quantity, "currency": cur}} for sku, quantity, price, cur in lines],
         "created_at": created, "updated_at": created},
        status_code=201, headers={"Location": f"/v1/orders/{order_id}"})
