"""Template debugging for Django and Jinja2, from the ``django``/``jinja`` keys.

A key set to ``false`` turns that framework's support off; ``true`` or absent
turns it on once the program imports the framework (absent costs nothing
measurable: see docs/decisions/013-template-lines.md and performance.md).
Breakpoints in template files (``TEMPLATE_SUFFIXES``) land on their lines as
they are and are verified when the template loads.
"""

from __future__ import annotations

import threading
from types import ModuleType

from dapper.core.debugger import Debugger
from dapper.core.text_lines import is_text_file
from dapper.frameworks.django_frames import DjangoFramePresenter
from dapper.frameworks.django_render import DjangoRenderHook
from dapper.frameworks.import_watch import ImportWatcher
from dapper.frameworks.jinja_frames import present_jinja_frame
from dapper.frameworks.jinja_lines import JinjaLinePatch

TEMPLATE_SUFFIXES = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".txt")


class TemplateSupport:
    """Sets up Django and Jinja2 template debugging for one debugger."""

    def __init__(self, debugger: Debugger) -> None:
        self.debugger = debugger
        self.imports = ImportWatcher()
        self.jinja_lines = JinjaLinePatch()
        self.django_render = DjangoRenderHook(debugger)
        self._django_base: ModuleType | None = None
        self._lock = threading.Lock()
        self._configured = False

    def configure(self, django: bool | None, jinja: bool | None) -> None:
        """Apply the launch keys (None: absent, on when the framework is imported)."""
        if self._configured:
            return
        self._configured = True
        enabled = django is not False or jinja is not False
        self.debugger.breakpoints.text_suffixes = TEMPLATE_SUFFIXES if enabled else ()
        if jinja is not False:
            self.imports.when_imported("jinja2", self._jinja_imported)
        if django is not False:
            self.imports.when_imported("django.template.base", self._django_imported)

    def _jinja_imported(self, jinja2: ModuleType) -> None:
        self.jinja_lines.install(jinja2)
        if present_jinja_frame not in self.debugger.presenters:
            self.debugger.presenters.append(present_jinja_frame)

    def _django_imported(self, base: ModuleType) -> None:
        render_annotated = base.Node.__dict__.get("render_annotated")
        code = getattr(render_annotated, "__code__", None)
        if code is not None:
            self.debugger.presenters.append(DjangoFramePresenter(code))
        self._django_base = base
        self.breakpoints_changed()

    def breakpoints_changed(self) -> None:
        """Line breakpoints changed: Django's rendering is watched only while
        some template file has one."""
        base = self._django_base
        if base is None:
            return
        suffixes = self.debugger.breakpoints.text_suffixes
        wanted = any(
            is_text_file(canonical, suffixes)
            for canonical in list(self.debugger.state.line_breakpoints)
        )
        with self._lock:
            if wanted and not self.django_render.installed:
                self.django_render.install(base)
            elif not wanted and self.django_render.installed:
                self.django_render.uninstall()

    def shutdown(self) -> None:
        self.imports.uninstall()
        with self._lock:
            self.django_render.uninstall()
        self.jinja_lines.uninstall()
