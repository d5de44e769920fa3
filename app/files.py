"""``GET /files/<token>``: the file a signed link names, made when it is fetched.

Each kind of file has a renderer: an async function of (store id, object id) that
answers the bytes, or None when the object is gone or is not of that store. The
link was signed for one kind, object and store, so it fetches nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.files import FileLinks, InvalidFileToken
from models.stores import Store
from resolvers import settlements, tasks
from resolvers.messages.poster import PosterOffer, poster_filename, poster_pdf
from resolvers.settlements.evidence import EvidenceFile
from schema.messages import poster_kind


@dataclass(frozen=True)
class RenderedFile:
    content: bytes
    filename: str
    content_type: str


Renderer = Callable[[int, int], Awaitable[RenderedFile | None]]


def _evidence(
    make: Callable[[int, int], Awaitable[EvidenceFile | None]],
) -> Renderer:
    async def render(store_id: int, object_id: int) -> RenderedFile | None:
        found = await make(store_id, object_id)
        return (
            None
            if found is None
            else RenderedFile(found.content, found.filename, found.content_type)
        )

    return render


def _poster(offer: PosterOffer | None) -> Renderer:
    async def render(store_id: int, template_id: int) -> RenderedFile | None:
        content = await poster_pdf(store_id, template_id or None, offer)
        store = await Store.get_or_none(id=store_id)
        if content is None or store is None:
            return None
        return RenderedFile(content, poster_filename(store), "application/pdf")

    return render


async def _training_file(store_id: int, material_id: int) -> RenderedFile | None:
    found = await tasks.training_file(store_id, material_id)
    return RenderedFile(found.content, found.filename, found.content_type) if found else None


# kind -> renderer; each domain that hands out a Download adds its kinds here.
RENDERERS: dict[str, Renderer] = {
    "settlement.csv": _evidence(settlements.settlement_csv),
    "settlement.pdf": _evidence(settlements.settlement_pdf),
    **{poster_kind(offer): _poster(offer) for offer in (None, *PosterOffer)},
    "training.file": _training_file,
}


def _missing() -> Response:
    return JSONResponse(
        {
            "errors": [
                {
                    "message": "No such file, or the link has expired.",
                    "extensions": {"code": "NOT_FOUND"},
                }
            ]
        },
        status_code=404,
    )


def file_endpoint(
    links: FileLinks, renderers: Mapping[str, Renderer] = RENDERERS
) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        try:
            claim = links.verify(request.path_params["token"])
        except InvalidFileToken:
            return _missing()
        render = renderers.get(claim.kind)
        rendered = await render(claim.store_id, claim.object_id) if render else None
        if rendered is None:
            return _missing()
        disposition = f"attachment; filename*=UTF-8''{quote(rendered.filename)}"
        return Response(
            rendered.content,
            media_type=rendered.content_type,
            headers={
                "content-disposition": disposition,
                "cache-control": "private, no-store",
                "x-content-type-options": "nosniff",
            },
        )

    return serve
