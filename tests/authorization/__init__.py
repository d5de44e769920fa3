"""The authorization table: every operation × every caller × (own store, other store).

How to add rows
---------------
Put them in a module of this package named ``rows_<domain>.py`` that exports
``ROWS: list[Row]``; ``table.all_rows()`` collects every such module, so
nothing else needs registering. One ``Row`` is one operation (or one variant
of it), written as a table line::

    Row(
        "Mutation.updateStore",                      # Type.field under test
        UPDATE_STORE,                                # the GraphQL document
        lambda w, target: {"input": {"storeId": w.store(target), "phone": "02-1"}},
        #              own        other
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (FORBIDDEN, ABSENT),
        staff=        (FORBIDDEN, ABSENT),
        partner=      (FORBIDDEN, ABSENT),
        anonymous=    UNAUTHENTICATED,               # one value: the same for both targets
        other_owner=  (ABSENT,    OK),
    )

* ``op`` names the field whose authorization the row checks: ``Query.x`` and
  ``Mutation.x`` for root fields, ``Type.field`` for a field that declares its
  own action (``Store.staff``); the document must select that field. Several
  rows may test one ``op``: give them distinct ``variant`` names.
* ``variables(world, target)`` (plain or ``async``) builds the variables for
  ``target`` (``"own"`` = demo store 1 or an object of it, ``"other"`` = demo
  store 2 or an object of it). ``World`` (in ``table.py``) has the ids of the
  demo data and makes fresh objects (``await w.fresh_staff(target)``, ...) so
  that an allowed mutation never changes what the next caller sees.
* Callers: ``admin``, ``owner`` / ``manager`` / ``staff`` (of store 1),
  ``partner`` (an API key of store 1 holding every action the partner role may
  hold), ``anonymous`` (no Authorization header), ``other_owner`` (owner of
  store 2, so its "other" column is its own store).
* Outcomes: ``OK`` (no error; a query answers non-null, a mutation answers a
  member of its union that is not a ``UserError``), ``FORBIDDEN`` and
  ``UNAUTHENTICATED`` (top-level error with that ``extensions.code`` and no
  data at the field), ``ABSENT`` (a query answers null without an error; a
  mutation answers its typed ``NotFound``).
* Mutation documents select ``__typename`` on the result. Every mutation
  whose expected outcome is not ``OK`` is also checked to have changed nothing
  in the database.
* ``fresh_session=True`` signs the caller in anew before each call (for
  operations that end the caller's sessions, such as ``changePassword``).

``test_coverage.py`` fails when a root field, or any field that declares an
action, has no row.
"""
