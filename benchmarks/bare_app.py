"""P1's and P2's baseline: a bare FastAPI app served exactly the way `learnloop serve` serves
learnloop.

    python benchmarks/bare_app.py --host H --port P --database-url URL [--workers N]

takes `learnloop serve`'s own options and runs that very command, with `uvicorn.run` swapped for
a shim that keeps every option `serve` passes (loop, http, workers, ...) and changes only the app.
So the bare app gets the same uvicorn invocation, event loop and HTTP parser as the product, even
after `serve` changes. Its routes are plain `def`s at the product's paths: GET item answers the
JSON document in $BARE_SAMPLE (a real item, fetched by the harness) with the requested id (P2);
POST item and POST action parse the same request bodies as the product (its own pydantic
models) and answer 201 with a new id (P1). The Lua scripts that load the product
(benchmarks/wrk/get.lua, commands.lua) load this too.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any
from uuid import uuid4

from fastapi import FastAPI

from adapters.http.schemas.items import NewAction, NewItem

HERE = Path(__file__).resolve().parent
SAMPLE = "BARE_SAMPLE"
OPTIONS = "BARE_UVICORN_OPTIONS"  # the shim writes what `serve` passed to uvicorn.run here


def create_app() -> FastAPI:
    sample: dict[str, Any] = (
        json.loads(Path(os.environ[SAMPLE]).read_text()) if os.environ.get(SAMPLE) else {}
    )
    app = FastAPI(title="bare")

    @app.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok", "bare": True}

    @app.get("/api/v1/learning-items/{item_id}")
    def item(item_id: str) -> dict[str, Any]:
        return {**sample, "id": item_id}

    @app.post("/api/v1/learning-items", status_code=201)
    def identify(body: NewItem) -> dict[str, Any]:
        return {"id": str(uuid4()), "title": body.title}

    @app.post("/api/v1/learning-items/{item_id}/actions", status_code=201)
    def choose_means(item_id: str, body: NewAction) -> dict[str, Any]:
        return {"id": str(uuid4()), "item_id": item_id, "due": body.due.isoformat()}

    return app


def main(argv: list[str]) -> None:
    import uvicorn

    real_run = uvicorn.run

    def shim(app: Any, **options: Any) -> None:
        written = {
            k: v
            for k, v in options.items()
            if k not in ("host", "port") and (v is None or isinstance(v, str | int | float | bool))
        }
        if os.environ.get(OPTIONS):
            Path(os.environ[OPTIONS]).write_text(json.dumps(written))
        if isinstance(app, str) or options.get("workers") or options.get("reload"):
            # Worker processes import the app: point them at this module's factory.
            options.update(factory=True, app_dir=str(HERE))
            real_run("bare_app:create_app", **options)
        else:
            real_run(create_app(), **options)

    uvicorn.run = shim  # type: ignore[assignment]
    from adapters.cli.main import main as learnloop

    learnloop(["serve", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
