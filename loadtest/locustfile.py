"""Fifty people using Pixmint at once: browsing, asking prices, generating and downloading.

Each simulated user signs up, buys the starter pack through the local checkout (the real signed webhook),
then mixes the four things people do most. Run by loadtest/run.py, which also checks the books afterwards.
"""

from __future__ import annotations

import random
import uuid

from locust import HttpUser, between, task

PROMPTS = ["a red fox in snow", "a lighthouse in fog", "tea on a windowsill", "a city at night, rain"]


class Customer(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        email = f"load-{uuid.uuid4().hex[:12]}@example.com"
        account = {"email": email, "password": "correct horse battery"}  # pragma: allowlist secret
        reply = self.client.post("/v1/auth/register", json=account, name="register")
        self.client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        checkout = self.client.post("/v1/credits/checkout", json={"pack_id": "starter"}, name="checkout").json()
        self.client.post(f"/_dev/checkout/{checkout['checkout_id']}/pay", name="pay (signed webhook)",
                         allow_redirects=False)
        self.image_ids: list[str] = []

    def _body(self) -> dict:
        return {"prompt": random.choice(PROMPTS), "model": "placeholder", "size": "512x512",  # nosec B311 - load-test variety, not security
                "n": random.randint(1, 2)}  # nosec B311 - load-test variety, not security

    @task(4)
    def browse(self) -> None:
        mine = self.client.get("/v1/images?limit=20", name="browse: my images").json()
        self.image_ids = [item["id"] for item in mine["items"]] or self.image_ids
        self.client.get("/v1/community?limit=20", name="browse: community")
        self.client.get("/v1/generations?limit=10", name="browse: my generations")

    @task(3)
    def quote(self) -> None:
        self.client.post("/v1/generations/quote", json=self._body(), name="quote")

    @task(2)
    def generate(self) -> None:
        self.client.post("/v1/generations", json=self._body(), name="generate")

    @task(2)
    def download(self) -> None:
        if not self.image_ids:
            return
        image_id = random.choice(self.image_ids)  # nosec B311 - load-test variety, not security
        self.client.get(f"/v1/images/{image_id}/thumbnail", name="download: thumbnail")
        self.client.get(f"/v1/images/{image_id}/content?format=png", name="download: png")
