"""Framework-aware debugging: templates of Django and Jinja2.

Each module has one job (see docs/decisions/013-template-lines.md): the
``TemplateFrame`` shown for a template line, how Jinja2's generated code gets
the template's line numbers, how Django's node rendering reports lines, and
``TemplateSupport``, which turns it on from the ``django``/``jinja`` launch
keys. Nothing here imports a framework until the program has.
"""
