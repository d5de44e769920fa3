"""Plain fields read in place and plain resolvers called directly (schema/execution.py) answer
exactly what strawberry and graphql-core answer, errors included, and skip their per-field steps.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Any, NewType

import pytest
import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.types.scalar import ScalarDefinition

from schema.execution import PlainFieldsExecution, lean_resolvers, reads_only_context
from schema.graph import build_schema


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


Blank = NewType("Blank", str)
# a scalar that writes nothing for some values: graphql-core's error, not a null
SCALARS: dict[object, Any] = {
    Blank: ScalarDefinition(
        name="Blank",
        description=None,
        specified_by_url=None,
        serialize=lambda value: value or None,
        parse_value=str,
        parse_literal=None,
        origin=Blank,
    )
}


class Later:
    """An awaitable that is not a coroutine (never awaited: no warning)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Any:
        yield from asyncio.sleep(0).__await__()
        return self.value


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Visits:
    count: int
    last: str | None


@strawberry.type
class Item(Named):
    id: int
    colour: Colour
    note: str | None
    visits: Visits
    maybe_visits: Visits | None
    # a plain field whose value its type refuses: an error, not a guess
    strict: int
    tags: list[str]
    # a list of leaves read from an attribute, with a value its type refuses (item 4)
    marks: list[int | None]
    blank: Blank
    # attributes whose value is awaited (a custom scalar would pass it on unawaited, and
    # String would write it as its str())
    data: JSON
    whenever: str

    @strawberry.field
    def doubled(self) -> int:
        return self.id * 2

    @strawberry.field
    def label(self, info: Info) -> str:
        return f"{info.field_name}:{self.name}"

    @strawberry.field
    def scaled(self, by: int = 3) -> int:
        return self.id * by

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        return self.name.upper()

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError(f"broken {self.id}")

    @strawberry.field
    def missing(self) -> str:
        return None  # type: ignore[return-value]

    @strawberry.field
    def refused(self) -> int:
        return "x"  # type: ignore[return-value]

    @strawberry.field
    def nested(self) -> Visits:
        return self.visits

    @strawberry.field
    async def nested_later(self) -> Visits | None:
        await asyncio.sleep(0)
        return self.maybe_visits

    @strawberry.field
    def letters(self) -> list[str]:
        return list(self.name[:3])

    # resolvers' lists: of leaves (a value or a null the type refuses, an awaited item) and of
    # objects (off the happy path for item 9, the second of ``nameless``)
    @strawberry.field
    def numbers(self) -> list[int]:
        return [self.id, "x" if self.id == 9 else self.id + 1]  # type: ignore[list-item]

    @strawberry.field
    def maybe_letters(self) -> list[str | None]:
        return [self.name[0], None]

    @strawberry.field
    def warnings(self) -> list[str | None]:
        return ["ok", ValueError(f"warning {self.id}")]  # type: ignore[list-item]

    @strawberry.field
    def holey_letters(self) -> list[str]:
        return [str(self.id), None] if self.id == 9 else [str(self.id)]  # type: ignore[list-item]

    @strawberry.field
    def later_letters(self) -> list[str]:
        return [self.name[0], Later(self.name[1])]  # type: ignore[list-item]

    @strawberry.field
    async def colours(self) -> list[Colour]:
        await asyncio.sleep(0)
        return [self.colour, Colour.RED]

    @strawberry.field
    def blanks(self) -> list[Blank]:
        return [Blank(f"b{self.id}"), Blank("" if self.id == 9 else "c")]

    @strawberry.field
    def datas(self) -> list[JSON]:
        return [Later({"n": self.id}), {"n": -self.id}]  # type: ignore[list-item]

    @strawberry.field
    async def friends(self) -> list[Visits]:
        await asyncio.sleep(0)
        return [self.visits, Visits(count=0, last=None)]

    @strawberry.field
    def odd_friends(self) -> list[Visits | None]:
        return [self.visits, None, Thing(id=1) if self.id == 9 else self.visits]  # type: ignore[list-item]

    @strawberry.field
    async def later_missing(self) -> str:
        await asyncio.sleep(0)
        return None  # type: ignore[return-value]

    @strawberry.field
    @reads_only_context
    def seen_by(self, info: Info) -> str:
        return f"{info.context['who']} sees {self.id}"

    @strawberry.field
    @reads_only_context
    async def seen_later(self, info: Info) -> str:
        await asyncio.sleep(0)
        return f"{info.context['who']} later"

    @strawberry.field
    @reads_only_context
    def unseen(self, info: Info) -> str:
        raise ValueError(f"{info.context['who']} may not see {self.id}")

    @strawberry.field
    @reads_only_context
    def seen_none(self, info: Info) -> str:
        return None  # type: ignore[return-value]


@strawberry.type
class Thing:
    id: int


@strawberry.type
class Fruit(relay.Node):
    code: relay.NodeID[int]
    name: str


class FruitRow(relay.Node):
    """What a domain returns for a node the schema composes from it (as the Customer node):
    a node of another class, which the type's is_type_of takes as a relay node."""

    code: relay.NodeID[int]

    def __init__(self, code: int, name: str) -> None:
        self.code, self.name = code, name


@strawberry.type
class Crate:
    fruit: Fruit
    # what a resolver of the id cannot answer: no id
    rotten: Fruit | None


@strawberry.type
class Basket:
    """Lists of objects read from attributes."""

    items: list[Item]
    maybe: list[Item | None]
    things: list[Thing]
    # an object of another type among the items: graphql-core's error
    strange: list[Item]
    # a null where the list promises an item
    holes: list[Item]
    # an item whose non-null field is null: the error bubbles to the list, then to the basket
    nameless: list[Item]
    maybe_nameless: list[Item | None]
    maybe_list: list[Thing] | None
    # an error among the items: graphql-core raises it
    failing: list[Thing | None]


def _nameless(n: int) -> Item:
    item = _item(n)
    item.name = None  # type: ignore[assignment]
    return item


def _basket(count: int) -> Basket:
    items = [_item(n) for n in range(1, count + 1)]
    return Basket(
        items=items,
        maybe=[items[0], None],
        things=[Thing(id=n) for n in range(count)],
        strange=[items[0], Thing(id=1)],  # type: ignore[list-item]
        holes=[items[0], None],  # type: ignore[list-item]
        nameless=[items[0], _nameless(9)],
        maybe_nameless=[_nameless(9), items[0]],
        maybe_list=None,
        failing=[Thing(id=1), ValueError("no thing")],  # type: ignore[list-item]
    )


def _root_id(root: Thing, info: Info) -> str:
    return f"{info.field_name}-{root.id}"


@strawberry.type
class ThingHolder:
    thing: Thing
    # an object type with an interface, whose is_type_of strawberry writes
    item: Item
    # a value that type refuses: graphql-core's error
    odd: Item | None

    @strawberry.field
    @staticmethod
    def thing_id(root: ThingHolder, info: Info) -> str:
        return _root_id(root.thing, info)

    @strawberry.field
    @staticmethod
    def thing_parent(parent: strawberry.Parent[ThingHolder]) -> int:
        return parent.thing.id + 1


def _item(n: int) -> Item:
    return Item(
        name=f"item {n}",
        id=n,
        colour=Colour.RED if n % 2 else Colour.BLUE,
        note=None if n % 3 else f"note {n}",
        visits=Visits(count=n, last=None if n % 2 else f"day {n}"),
        maybe_visits=None if n % 2 else Visits(count=-n, last="x"),
        strict=n if n != 4 else "four",  # type: ignore[arg-type]
        tags=[f"t{n}", "all"],
        marks=[n, None, "four" if n == 4 else -n],  # type: ignore[list-item]
        blank=Blank("" if n % 2 else f"b{n}"),
        data=Later({"n": n}) if n % 2 else {"n": -n},  # type: ignore[arg-type]
        whenever=Later(f"w{n}") if n % 2 else f"now {n}",  # type: ignore[arg-type]
    )


@strawberry.type
class Query:
    @strawberry.field
    def items(self, count: int = 6) -> list[Item]:
        return [_item(n) for n in range(1, count + 1)]

    @strawberry.field
    def holder(self) -> ThingHolder:
        return ThingHolder(thing=Thing(id=7), item=_item(3), odd=Thing(id=1))  # type: ignore[arg-type]

    @strawberry.field
    def nameless(self) -> list[Item | None]:
        # a null where the schema promises a value: the error bubbles to the nullable parent
        broken = _item(9)
        broken.name = None  # type: ignore[assignment]
        return [_item(8), broken]

    @strawberry.field
    def named(self) -> list[Named]:
        return [_item(1), _item(2)]

    @strawberry.field
    def fruits(self) -> list[Fruit]:
        return [Fruit(code=n, name=f"fruit {n}") for n in (1, 22, 333)]

    @strawberry.field
    def fruit_rows(self) -> list[Fruit]:
        return [FruitRow(4, "four"), FruitRow(55, "fifty-five")]  # type: ignore[list-item]

    @strawberry.field
    def basket(self, count: int = 3) -> Basket | None:
        return _basket(count)

    @strawberry.field
    def crate(self) -> Crate:
        return Crate(fruit=Fruit(code=9, name="nine"), rotten=Fruit(code=None, name="?"))  # type: ignore[arg-type]


QUERIES = [
    "{ items { id name colour note visits { count last } maybeVisits { count } tags } }",
    "{ items { id doubled label scaled(by: 5) later broken } }",
    "{ items(count: 5) { id strict } }",
    "{ nameless { id name visits { count } } }",
    "{ named { name ... on Item { id visits { count } } } }",
    "{ holder { thing { id } thingId thingParent item { id name visits { count } } } }",
    "{ holder { thing { id } odd { id } } }",
    "query($show: Boolean!) { items(count: 3) { a: id b: id id @include(if: $show)"
    " ... on Item { name visits { last } } visits { count } } }",
    "{ items(count: 2) { __typename id } __typename }",
    "{ items(count: 3) { id nested { count last } nestedLater { count } letters } }",
    "{ items(count: 2) { id refused } }",
    "{ nameless { id missing } }",
    "{ items(count: 3) { id seenBy seenLater } }",
    "{ items(count: 2) { id unseen } }",
    "{ nameless { id seenNone } }",
    "{ fruits { id name } fruitRows { id name } crate { fruit { id } rotten { id name } } }",
    "{ basket { items { id name visits { count } later broken } maybe { id } things { id } } }",
    "{ basket { maybeList { id } strange { id } } }",
    "{ basket { holes { id } } }",
    "{ basket { nameless { id name } } }",
    "{ basket { maybeNameless { id name } } }",
    "{ basket { items { id laterMissing } } }",
    "{ basket { maybe { id laterMissing } } }",
    "query($show: Boolean!) { basket { items @include(if: $show) { id } things { id } } }",
    "{ items(count: 3) { id blank } }",
    "{ items(count: 3) { id data whenever } }",
    "{ nameless { id numbers } }",
    "{ items(count: 3) { id maybeLetters laterLetters colours warnings } }",
    "{ basket { failing { id } } }",
    "{ nameless { id holeyLetters } }",
    "{ nameless { id blanks } }",
    "{ items(count: 3) { id datas friends { count last } } }",
    "{ nameless { id oddFriends { count } } }",
    "{ items(count: 3) { id marks } nameless { id marks } }",
    "{ items(count: 5) { id marks } }",
]


CONTEXT = {"who": "the caller"}


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    stock = strawberry.Schema(query=Query, types=[Item], scalar_overrides=SCALARS)
    plain = strawberry.Schema(
        query=Query,
        types=[Item],
        scalar_overrides=SCALARS,
        execution_context_class=PlainFieldsExecution,
    )
    lean_resolvers(plain)
    return stock, plain


def _answer(result: Any) -> tuple[Any, Any]:
    return result.data, [error.formatted for error in result.errors or []]


@pytest.mark.parametrize("show", [True, False])
@pytest.mark.parametrize("document", QUERIES)
async def test_answers_and_errors_are_graphql_cores(document: str, show: bool) -> None:
    # given: the same types executed as strawberry does, and with plain fields read in place
    stock, plain = _schemas()
    variables = {"show": show} if "$show" in document else None
    # when
    expected = await stock.execute(document, variable_values=variables, context_value=CONTEXT)
    found = await plain.execute(document, variable_values=variables, context_value=CONTEXT)
    # then
    assert _answer(found) == _answer(expected)


async def test_the_error_cases_are_exercised() -> None:
    # the equivalence above would hold trivially if nothing failed: check that it does
    stock, _ = _schemas()
    answers = [_answer(await stock.execute(document)) for document in QUERIES[1:4]]
    messages = [error["message"] for _, errors in answers for error in errors]
    assert any("broken 1" in message for message in messages)
    assert any("Int cannot represent" in message for message in messages)
    assert any("Cannot return null for non-nullable field" in message for message in messages)
    [odd] = _answer(await stock.execute("{ holder { odd { id } } }"))[1]
    assert "Expected value of type 'Item'" in odd["message"]
    resolved = [
        _answer(await stock.execute(document))
        for document in QUERIES
        if "refused" in document or "missing" in document
    ]
    assert all(errors for _, errors in resolved)
    assert "Int cannot represent" in resolved[0][1][0]["message"]
    assert "Item.missing" in resolved[1][1][0]["message"]
    assert _answer(await stock.execute("{ items(count: 2) { data } }")) == (
        {"items": [{"data": {"n": 1}}, {"data": {"n": -2}}]},
        [],
    )
    [blank] = _answer(await stock.execute("{ items(count: 3) { id blank } }"))[1]
    assert "Blank.coerce_output_value('')" in blank["message"]
    assert answers[2][0] == {
        "nameless": [{"id": 8, "name": "item 8", "visits": {"count": 8}}, None]
    }


async def test_the_error_cases_of_resolvers_without_info_are_exercised() -> None:
    stock, _ = _schemas()
    answers = {
        document: _answer(await stock.execute(document, context_value=CONTEXT))
        for document in QUERIES
        if "seen" in document or "rotten" in document
    }
    messages = " | ".join(error["message"] for _, errors in answers.values() for error in errors)
    assert "the caller may not see 1" in messages
    assert "Cannot return null for non-nullable field Item.seenNone" in messages
    assert messages.count("\n") == 0 and len(answers) == 4
    [fruits] = [data for data, _ in answers.values() if data and "fruits" in data]
    assert fruits["crate"]["rotten"] is None and fruits["crate"]["fruit"]["id"]


async def test_the_error_cases_of_lists_read_from_attributes_are_exercised() -> None:
    stock, _ = _schemas()
    answers = [
        _answer(await stock.execute(document)) for document in QUERIES if "basket" in document
    ]
    messages = " | ".join(error["message"] for _, errors in answers for error in errors)
    assert "Expected value of type 'Item' but got: <Thing instance>" in messages
    assert "Cannot return null for non-nullable field Basket.holes" in messages
    assert "Cannot return null for non-nullable field Item.name" in messages
    assert "Cannot return null for non-nullable field Item.laterMissing" in messages
    assert "broken 1" in messages
    by_document = dict(zip([d for d in QUERIES if "basket" in d], answers, strict=True))
    assert by_document["{ basket { nameless { id name } } }"][0] == {"basket": None}
    assert by_document["{ basket { maybeNameless { id name } } }"][0] == {
        "basket": {"maybeNameless": [None, {"id": 1, "name": "item 1"}]}
    }
    assert by_document["{ basket { maybe { id laterMissing } } }"][0] == {
        "basket": {"maybe": [None, None]}
    }


class Counting(PlainFieldsExecution):
    infos = 0
    executed = 0
    completed = 0

    def complete_value(self, *args: Any, **kwargs: Any) -> Any:
        Counting.completed += 1
        return super().complete_value(*args, **kwargs)

    def build_resolve_info(self, *args: Any, **kwargs: Any) -> GraphQLResolveInfo:
        Counting.infos += 1
        return super().build_resolve_info(*args, **kwargs)

    def execute_field(self, *args: Any, **kwargs: Any) -> Any:
        Counting.executed += 1
        return super().execute_field(*args, **kwargs)


@pytest.mark.parametrize("count", [5, 50])
async def test_plain_fields_take_no_resolve_info(count: int) -> None:
    # given
    schema = strawberry.Schema(
        query=Query, types=[Item], scalar_overrides=SCALARS, execution_context_class=Counting
    )
    Counting.infos = 0
    # when: every field of the items is plain
    result = await schema.execute(
        f"{{ items(count: {count}) {{ id name colour visits {{ count last }} }} }}"
    )
    # then: only the list itself resolved through graphql-core's steps, however long it is
    assert result.errors is None and result.data is not None
    assert len(result.data["items"]) == count
    assert Counting.infos == 1


@pytest.mark.parametrize("count", [5, 50])
async def test_lean_resolvers_are_called_in_place(count: int) -> None:
    # given
    schema = strawberry.Schema(
        query=Query, types=[Item], scalar_overrides=SCALARS, execution_context_class=Counting
    )
    lean_resolvers(schema)
    Counting.infos = Counting.executed = 0
    # when: the items' fields are resolvers without arguments
    result = await schema.execute(
        f"{{ items(count: {count}) {{ doubled label nested {{ count }} }} }}"
    )
    # then: none goes through graphql-core's field steps; a resolve info is built for the one
    # that takes it (label) and to complete an object (nested), not for a leaf of a resolver
    # that takes none (doubled)
    assert result.errors is None and result.data is not None
    assert result.data["items"][1] == {
        "doubled": 4,
        "label": "label:item 2",
        "nested": {"count": 2},
    }
    assert Counting.executed == 1
    assert Counting.infos == 1 + 2 * count


@pytest.mark.parametrize("count", [5, 50])
async def test_context_reads_and_node_ids_take_no_resolve_info(count: int) -> None:
    # given
    schema = strawberry.Schema(
        query=Query, types=[Item], scalar_overrides=SCALARS, execution_context_class=Counting
    )
    lean_resolvers(schema)
    Counting.infos = Counting.executed = 0
    # when: the items' resolvers read only the context, and the fruits' ids are relay's
    result = await schema.execute(
        f"{{ items(count: {count}) {{ seenBy }} fruits {{ id }} fruitRows {{ id }} }}",
        context_value=CONTEXT,
    )
    # then only the three lists are resolved with a resolve info
    assert result.errors is None and result.data is not None
    assert result.data["items"][1] == {"seenBy": "the caller sees 2"}
    assert result.data["fruits"][1] == {"id": relay.to_base64("Fruit", 22)}
    assert result.data["fruitRows"][1] == {"id": relay.to_base64("Fruit", 55)}
    assert Counting.infos == 3 and Counting.executed == 1


def test_plain_resolvers_of_the_api_are_called_directly() -> None:
    # given
    schema = build_schema()
    customer = schema._schema.type_map["Customer"]
    store = schema._schema.type_map["Store"]
    assert isinstance(customer, GraphQLObjectType) and isinstance(store, GraphQLObjectType)
    # then: the masked name resolves without strawberry's wrappers; a guarded field keeps them
    assert customer.fields["name"].resolve.__qualname__.startswith("_lean")
    assert not store.fields["customers"].resolve.__qualname__.startswith("_lean")


@pytest.mark.parametrize("count", [5, 50])
async def test_lists_of_objects_read_from_attributes_take_no_step_per_item(count: int) -> None:
    # given
    schema = strawberry.Schema(
        query=Query, types=[Item], scalar_overrides=SCALARS, execution_context_class=Counting
    )
    lean_resolvers(schema)
    Counting.infos = Counting.executed = Counting.completed = 0
    # when: the basket's lists are attributes, and the items' type has an interface
    result = await schema.execute(
        f"{{ basket(count: {count}) {{ items {{ id name visits {{ count }} }} things {{ id }} }}"
        " holder { item { id } } }"
    )
    # then: only the basket went through graphql-core's field steps; the holder, a lean resolver,
    # is completed with its info (complete_value twice: non-null, then the object); the items
    # and the holder's item take none
    assert result.errors is None and result.data is not None
    assert len(result.data["basket"]["items"]) == count
    assert result.data["basket"]["things"][-1] == {"id": count - 1}
    assert Counting.executed == 1 and Counting.completed == 3 and Counting.infos == 2


class CountingFields(PlainFieldsExecution):
    calls = 0

    def execute_fields(self, *args: Any, **kwargs: Any) -> Any:
        CountingFields.calls += 1
        return super().execute_fields(*args, **kwargs)


@pytest.mark.parametrize("count", [5, 50])
async def test_plain_selections_of_lists_are_completed_by_one_plan(count: int) -> None:
    # given
    schema = strawberry.Schema(
        query=Query, types=[Item], scalar_overrides=SCALARS, execution_context_class=CountingFields
    )
    lean_resolvers(schema)
    CountingFields.calls = 0
    # when: every field under the lists is a plain read (an attribute or a context read)
    result = await schema.execute(
        f"{{ basket(count: {count}) {{ items {{ id name seenBy tags visits {{ count last }} }}"
        " things { id } } }",
        context_value=CONTEXT,
    )
    # then: the root and the basket take graphql-core's field steps; no item, and no object
    # under an item, does, however long the lists are
    assert result.errors is None and result.data is not None
    assert result.data["basket"]["items"][1] == {
        "id": 2,
        "name": "item 2",
        "seenBy": "the caller sees 2",
        "tags": ["t2", "all"],
        "visits": {"count": 2, "last": "day 2"},
    }
    assert len(result.data["basket"]["things"]) == count
    assert CountingFields.calls == 2


async def test_the_error_cases_of_resolvers_lists_are_exercised() -> None:
    stock, _ = _schemas()
    answers = {
        document: _answer(await stock.execute(document))
        for document in QUERIES
        if any(name in document for name in ("numbers", "holeyLetters", "blanks", "oddFriends"))
    }
    messages = " | ".join(error["message"] for _, errors in answers.values() for error in errors)
    assert "Int cannot represent non-integer value: 'x'" in messages
    [(_, marked)] = [
        _answer(await stock.execute(document))
        for document in QUERIES
        if "count: 5) { id marks" in document
    ]
    assert marked[0]["message"] == "Int cannot represent non-integer value: 'four'"
    assert "Cannot return null for non-nullable field Item.holeyLetters" in messages
    assert "Blank.coerce_output_value('')" in messages
    assert "'Thing' object has no attribute 'count'" in messages
    assert len(answers) == 4
    [warned] = _answer(await stock.execute("{ items(count: 1) { warnings } }"))[1]
    assert warned["message"] == "warning 1" and warned["path"] == ["items", 0, "warnings", 1]
    [failed] = _answer(await stock.execute("{ basket { failing { id } } }"))[1]
    assert failed["message"] == "no thing"
    [(awaited, errors)] = [
        _answer(await stock.execute("{ items(count: 1) { laterLetters datas whenever } }"))
    ]
    assert not errors
    assert awaited == {
        "items": [{"laterLetters": ["i", "t"], "datas": [{"n": 1}, {"n": -1}], "whenever": "w1"}]
    }


@pytest.mark.parametrize("count", [5, 50])
async def test_resolvers_lists_take_no_step_per_item(count: int) -> None:
    # given
    schema = strawberry.Schema(
        query=Query, types=[Item], scalar_overrides=SCALARS, execution_context_class=Counting
    )
    lean_resolvers(schema)
    Counting.infos = Counting.executed = Counting.completed = 0
    # when: a resolver's list of objects, each with a resolver's list of leaves and of objects
    result = await schema.execute(
        f"{{ items(count: {count}) {{ id letters colours friends {{ count }} }} }}"
    )
    # then: graphql-core completes each list once (items: non-null, then the list; each item's
    # three lists: non-null, then the list), and none of their items
    assert result.errors is None and result.data is not None
    assert result.data["items"][1] == {
        "id": 2,
        "letters": ["i", "t", "e"],
        "colours": ["BLUE", "RED"],
        "friends": [{"count": 2}, {"count": 0}],
    }
    assert Counting.completed == 2 + 6 * count
