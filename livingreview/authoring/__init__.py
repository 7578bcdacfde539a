"""The author's commands: add evidence, see what changed, release a version, refresh registries.

Only the CLI imports this subpackage; it may use ``book``, ``analysis`` and ``data``.
"""
