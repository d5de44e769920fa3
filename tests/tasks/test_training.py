"""Training material: links, and files up to a size, fetched through signed links only."""

from __future__ import annotations

import base64

from models.tasks import TrainingFile, TrainingMaterial
from tests.client import Api, gid

CREATE = """
mutation($input: CreateTrainingMaterialInput!) {
  createTrainingMaterial(input: $input) {
    __typename
    ... on TrainingMaterialSuccess { material { id title kind url filename sizeBytes } }
    ... on FileTooLarge { maxBytes }
    ... on UserError { code message field }
  }
}
"""
MATERIALS = """
query($id: ID!) {
  store(id: $id) {
    trainingMaterials(first: 10) {
      edges { node { title kind url filename contentType file { url filename expiresAt } } }
    }
  }
}
"""
PDF = b"%PDF-1.4\n% training\n" + b"x" * 1000


async def _create(api: Api, token: str, **fields: object) -> dict:
    values = {"storeId": gid("Store", 1), "title": "라떼 아트 기초"}
    body = await api.data(CREATE, {"input": {**values, **fields}}, token=token)
    return dict(body["createTrainingMaterial"])


def _file(content: bytes = PDF, content_type: str = "application/pdf") -> dict:
    return {
        "filename": "latte art.pdf",
        "contentType": content_type,
        "contentBase64": base64.b64encode(content).decode(),
    }


async def test_a_file_is_stored_and_served_through_a_signed_link(api: Api) -> None:
    # given a manager uploads a PDF and a link
    manager = await api.token("manager1@dangol.test")
    uploaded = await _create(api, manager, file=_file())
    await _create(api, manager, title="위생 교육 영상", url="https://video.example/hygiene")
    # when staff list the material and fetch the file
    staff = await api.token("staff1@dangol.test")
    listed = await api.data(MATERIALS, {"id": gid("Store", 1)}, token=staff)
    nodes = [edge["node"] for edge in listed["store"]["trainingMaterials"]["edges"]]
    link = nodes[1]["file"]["url"]
    fetched = await api.client.get(link.removeprefix("http://dangol.test"))
    # then
    assert uploaded["__typename"] == "TrainingMaterialSuccess"
    assert uploaded["material"]["sizeBytes"] == len(PDF)
    assert [n["kind"] for n in nodes] == ["LINK", "FILE"]  # newest first
    assert nodes[0]["file"] is None and nodes[0]["url"] == "https://video.example/hygiene"
    assert fetched.status_code == 200
    assert fetched.content == PDF
    assert fetched.headers["content-type"] == "application/pdf"
    assert "attachment" in fetched.headers["content-disposition"]
    # and a tampered or foreign link opens nothing
    assert (
        await api.client.get("/files/" + link.rpartition("/")[2][:-3] + "abc")
    ).status_code == 404


async def test_files_over_the_limit_and_unknown_kinds_are_refused(api: Api) -> None:
    manager = await api.token("manager1@dangol.test")
    too_big = b"x" * (5 * 1024 * 1024 + 1)
    answers = [
        await _create(api, manager, file=_file(too_big)),
        await _create(api, manager, file=_file(content_type="text/html")),
        await _create(api, manager, file={**_file(), "contentBase64": "%%%"}),
        await _create(api, manager, url="javascript:alert(1)"),
        await _create(api, manager),
        await _create(api, manager, url="https://video.example/a", file=_file()),
    ]
    assert [(a["__typename"], a.get("field")) for a in answers] == [
        ("FileTooLarge", "file.contentBase64"),
        ("InvalidInput", "file.contentType"),
        ("InvalidInput", "file.contentBase64"),
        ("InvalidInput", "url"),
        ("InvalidInput", "url"),
        ("InvalidInput", "url"),
    ]
    assert answers[0]["maxBytes"] == 5 * 1024 * 1024
    assert await TrainingMaterial.all().count() == 0
    assert await TrainingFile.all().count() == 0
