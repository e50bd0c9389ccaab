"""Locust's side of benchmarks/compare: GET /v1/products/{sku} of a random SKU of the demo catalogue, as
shop-load's product endpoint and benchmarks/product-read.lua ask it, with Locust's fast client
(FastHttpUser) and each user paced to LOCUST_RATE_PER_USER requests/s, so users x rate is the target."""
import os
import random

from locust import constant_throughput, task
from locust.contrib.fasthttp import FastHttpUser


class ProductReader(FastHttpUser):
    wait_time = constant_throughput(float(os.environ.get("LOCUST_RATE_PER_USER", "10")))

    @task
    def product(self):
        self.client.get(f"/v1/products/SKU-{random.randint(1, 1000):05d}", name="/v1/products/{sku}")
