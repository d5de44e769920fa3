from schema import enums


def test_every_registered_enum_is_exported_once_under_an_importable_name() -> None:
    # given the enums registered for the schema
    registered = set(enums.GRAPHQL_NAMES)

    # when the module's exported names are resolved
    exported = [getattr(enums, name) for name in enums.__all__]

    # then each registered enum is exported exactly once (mypy reads the literal list)
    assert len(exported) == len(set(exported))
    assert set(exported) == registered
