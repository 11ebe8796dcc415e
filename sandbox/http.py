"""Serving: the aiohttp application, the Bot API endpoint, files, and the control endpoints
for a sandbox in another process."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, Self

from aiohttp import web

from sandbox.feed import SAMPLE_FEED_PATH
from sandbox.methods import BotMethods
from sandbox.records import (
    _ARRIVAL,
    _JSON_PARAMS,
    JSON,
    ChatFault,
    Upload,
    _ApiError,
    _bad,
    _dumps,
    _error_body,
    _GatewayError,
)

log = logging.getLogger(__name__)

_BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class Served(BotMethods):
    """The HTTP side: start, stop, the API and control routes."""

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on host:port (port 0: a free one); `base_url` is valid afterwards."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/file/bot{token}/{path:.+}", self._serve_file)
        app.router.add_route("*", "/bot{token}/{method}", self._serve_api)
        app.router.add_get(SAMPLE_FEED_PATH, self.feed.serve)
        for method, path, handler in self._control_routes():
            app.router.add_route(method, path, handler)
        runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=0.1, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self._closing = False
        bound = port
        for address in runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                bound = int(address[1])
                break
        shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
        self._url = f"http://{shown}:{bound}"
        self.feed.base_url = self._url

    async def stop(self) -> None:
        """Stop serving; long polls in flight answer at once."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        self._wake_pollers()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        await runner.cleanup()

    @property
    def base_url(self) -> str:
        if self._url is None:
            raise RuntimeError("the sandbox is not started")
        return self._url

    @property
    def sample_feed_url(self) -> str:
        """The built-in sample RSS feed (a new headline every `feed_interval` seconds)."""
        return self.base_url + SAMPLE_FEED_PATH

    @property
    def feed_interval(self) -> float:
        return self.feed.interval

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ HTTP

    async def _serve_api(self, request: web.Request) -> web.Response:
        _ARRIVAL.set(time.monotonic())  # flood limits count a send from when it arrived
        name = request.match_info["method"]
        entry = self._methods.get(name.lower())
        self.calls[entry[0] if entry is not None else name] += 1
        # A long poll waiting for updates is not work in flight: quiet() ignores it.
        counted = entry is None or entry[0] != "getUpdates"
        if counted:
            self.in_flight += 1
            self._activity += 1
        try:
            if request.match_info["token"] != self.token:
                raise _ApiError(401, "Unauthorized")
            if entry is None:
                raise _ApiError(404, "Not Found")
            params, uploads = await self._read_params(request)
            result = await entry[1](params, uploads)
        except _ApiError as exc:
            return self._error_response(exc.code, exc.description, exc.parameters)
        except _GatewayError:
            self.errors[HTTPStatus.BAD_GATEWAY] += 1
            self._notify()
            return web.Response(
                status=HTTPStatus.BAD_GATEWAY, text=_BAD_GATEWAY_PAGE, content_type="text/html"
            )
        except Exception:
            log.exception("sandbox: %s failed", name)
            return self._error_response(500, "Internal Server Error")
        finally:
            if counted:
                self.in_flight -= 1
                self._activity += 1
        return web.Response(
            body=_dumps({"ok": True, "result": result}), content_type="application/json"
        )

    def _error_response(
        self, code: int, description: str, parameters: JSON | None = None
    ) -> web.Response:
        self.errors[code] += 1
        self._notify()  # wait_until on `errors` wakes now, not at the bot's next change
        return web.Response(
            status=code,
            body=_dumps(_error_body(code, description, parameters)),
            content_type="application/json",
        )

    async def _read_params(self, request: web.Request) -> tuple[JSON, dict[str, Upload]]:
        params: JSON = dict(request.query) if request.query_string else {}
        uploads: dict[str, Upload] = {}
        if request.body_exists:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad("can't parse JSON body") from None
                if not isinstance(body, dict):
                    raise _bad("the JSON body must be an object")
                params.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        name = value.filename or key
                        uploads[key] = (name, value.file.read(), value.content_type)
                    else:
                        params[key] = value
        for key in _JSON_PARAMS.intersection(params):
            value = params[key]
            if isinstance(value, str):
                try:
                    params[key] = json.loads(value) if value else None
                except ValueError:
                    what = "reply keyboard markup" if key == "reply_markup" else key
                    raise _bad(f"can't parse {what} JSON object") from None
        return params, uploads

    async def _serve_file(self, request: web.Request) -> web.Response:
        self.calls["file"] += 1
        if request.match_info["token"] != self.token:
            return self._error_response(401, "Unauthorized")
        record = self._file_paths.get(request.match_info["path"])
        if record is None:
            return self._error_response(404, "Not Found")
        return web.Response(body=record["content"], content_type=record["mime_type"])

    # ------------------------------------------------------------------ control endpoints

    def _control_routes(self) -> list[tuple[str, str, Callable[[web.Request], Awaitable[Any]]]]:
        """JSON endpoints for a sandbox in another process.

        POST /sandbox/updates  {"messages": [{"chat_id", "text", "user_id"?}...],
                                "callbacks": [{"chat_id", "message_id", "data", "user_id"?}...],
                                "updates": [raw update...]}
        POST /sandbox/faults   {"chat_id", "kind", ...ChatFault fields} or {"clear": true}
        POST /sandbox/reset
        GET  /sandbox/stats
        GET|POST /sandbox/limits  (POST: any RateLimits fields)
        GET  /sandbox/sent?chat_id=N
        """
        return [
            ("POST", "/sandbox/updates", self._control_updates),
            ("POST", "/sandbox/faults", self._control_faults),
            ("POST", "/sandbox/reset", self._control_reset),
            ("GET", "/sandbox/stats", self._control_stats),
            ("GET", "/sandbox/limits", self._control_limits),
            ("POST", "/sandbox/limits", self._control_limits),
            ("GET", "/sandbox/sent", self._control_sent),
        ]

    @staticmethod
    def _json_response(value: Any, status: int = 200) -> web.Response:
        return web.Response(status=status, body=_dumps(value), content_type="application/json")

    async def _control_body(self, request: web.Request) -> JSON:
        if not request.body_exists:
            return {}
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        return body

    async def _control(self, request: web.Request, action: Callable[[JSON], Any]) -> web.Response:
        try:
            body = await self._control_body(request)
            result = action(body)
        except (ValueError, LookupError, TypeError, KeyError) as exc:
            return self._json_response({"ok": False, "description": str(exc)}, status=400)
        return self._json_response({"ok": True, "result": result})

    async def _control_updates(self, request: web.Request) -> web.Response:
        def enqueue(body: JSON) -> JSON:
            ids: list[int] = []
            for item in body.get("messages") or []:
                user_id = item.get("user_id")
                update = self.send_message(
                    int(item["chat_id"]),
                    str(item.get("text", "")),
                    user_id=None if user_id is None else int(user_id),
                )
                ids.append(update["update_id"])
            for item in body.get("callbacks") or []:
                chat_id = int(item["chat_id"])
                message = self._bot_messages.get(chat_id, {}).get(int(item["message_id"]))
                if message is None:
                    raise LookupError(f"no bot message {item['message_id']} in chat {chat_id}")
                user_id = item.get("user_id")
                update = self.click(
                    message,
                    str(item["data"]),
                    user_id=None if user_id is None else int(user_id),
                )
                ids.append(update["update_id"])
            for raw in body.get("updates") or []:
                ids.append(self.enqueue_update(dict(raw))["update_id"])
            return {"queued": len(ids), "update_ids": [ids[0], ids[-1]] if ids else []}

        return await self._control(request, enqueue)

    async def _control_faults(self, request: web.Request) -> web.Response:
        def fault(body: JSON) -> bool:
            if body.get("clear"):
                self.clear_faults()
                return True
            chat_id = int(body.pop("chat_id"))
            self.set_fault(chat_id, ChatFault(**body))
            return True

        return await self._control(request, fault)

    async def _control_reset(self, request: web.Request) -> web.Response:
        def reset(_: JSON) -> bool:
            self.reset()
            return True

        return await self._control(request, reset)

    async def _control_stats(self, request: web.Request) -> web.Response:
        return self._json_response(self.stats())

    async def _control_limits(self, request: web.Request) -> web.Response:
        def limits(body: JSON) -> JSON:
            if body:
                self.limits = dataclasses.replace(self.limits, **body)
            return dataclasses.asdict(self.limits)

        return await self._control(request, limits)

    async def _control_sent(self, request: web.Request) -> web.Response:
        def sent(_: JSON) -> list[JSON]:
            chat_id = int(request.query["chat_id"])
            return [
                {
                    "message_id": m.message_id,
                    "text": m.text,
                    "plain_text": m.plain_text,
                    "parse_mode": m.parse_mode,
                    "reply_markup": m.reply_markup,
                    "edits": m.edits,
                    "deleted": m.deleted,
                    "method": m.method,
                }
                for m in self.sent(chat_id, include_deleted=True)
            ]

        return await self._control(request, sent)
