from schema import enums


def test_every_registered_enum_is_exported_by_name() -> None:
    # given the enums registered for the schema
    registered = sorted(enum.__name__ for enum in enums.GRAPHQL_NAMES)

    # when / then: the module exports exactly those (mypy reads the literal list)
    assert sorted(enums.__all__) == registered
