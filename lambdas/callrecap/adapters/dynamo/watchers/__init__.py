"""The pages watching a live call: one item per WebSocket connection in the call's partition,
expiring with the connection (2 hours), so a call's watchers are one Query away from ingest.

Two adapters over the one item shape (items.py), one per role, because each function is granted
exactly what its adapter modules call (tests/infra/test_infra_permissions.py): the live_connect
function registers a watcher (registry.py, PutItem only); the ingest function reads and forgets
them (store.py, Query and DeleteItem)."""
