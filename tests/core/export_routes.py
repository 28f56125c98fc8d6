"""Every route that answers a file: found in the resolver and in the routable pages, not listed by hand.

A route exports when its view is one of Wagtail's spreadsheet exports with columns to write (`?export=csv`,
`?export=xlsx`), or when its view reaches one of the project's file writers (`core.exports`) or Wagtail's form
submission export, directly or through the functions of its own module.
"""

import dis
import importlib
import inspect

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.contrib.forms.views import SubmissionsListView
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Page

PROJECT_APPS = {"config", "home", "search", "participation", "charter", "communes", "core"}
WRITERS = {
    "csv_response",
    "xlsx_response",
    "json_response",
    "open_data_chunks",
    "as_spreadsheet",
    "serve_submissions_list_view",
}


def _reaches_a_writer(function, seen=None):
    seen = seen if seen is not None else set()
    function = inspect.unwrap(function)
    code = getattr(function, "__code__", None)
    if code is None or function in seen:
        return False
    seen.add(function)
    names = set(code.co_names)
    for const in code.co_consts:  # lambdas and nested functions
        if inspect.iscode(const):
            names |= set(const.co_names)
    if names & WRITERS:
        return True
    module_globals = getattr(function, "__globals__", {})
    called = [
        module_globals[name]
        for name in names
        if inspect.isfunction(module_globals.get(name)) and module_globals[name].__module__ == function.__module__
    ]
    return any(_reaches_a_writer(other, seen) for other in [*called, *_imported_in(function, code)])


def _imported_in(function, code):
    """The project's functions a view imports inside its body (`from ..views import open_data`)."""
    module, level = None, 0
    instructions = list(dis.get_instructions(code))
    for index, instruction in enumerate(instructions):
        if instruction.opname == "IMPORT_NAME":
            level = instructions[index - 2].argval if index >= 2 else 0
            module = instruction.argval
        elif instruction.opname == "IMPORT_FROM" and module is not None:
            package = function.__module__.rsplit(".", level)[0] if level else ""
            name = f"{package}.{module}" if package and module else package or module
            target = getattr(importlib.import_module(name), instruction.argval, None)
            if inspect.isfunction(target) and target.__module__.split(".")[0] in PROJECT_APPS:
                yield target


def _exports(callback):
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        if issubclass(view_class, SubmissionsListView):
            return True
        if issubclass(view_class, SpreadsheetExportMixin):
            return bool(callback.view_initkwargs.get("list_export", view_class.list_export))
        return any(
            _reaches_a_writer(getattr(view_class, method)) for method in ("get", "post") if hasattr(view_class, method)
        )
    return _reaches_a_writer(callback)


def export_routes():
    """{route name: route pattern} of every route that answers a file; a routable page's own routes are named
    "<Model>:<name>"."""
    found = {}

    def walk(patterns, prefix="", namespaces=()):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                namespace = (pattern.namespace,) if pattern.namespace else ()
                walk(pattern.url_patterns, prefix + str(pattern.pattern), namespaces + namespace)
            elif isinstance(pattern, URLPattern) and _exports(pattern.callback):
                name = ":".join((*namespaces, pattern.name or "")) or prefix + str(pattern.pattern)
                found[name] = prefix + str(pattern.pattern)

    walk(get_resolver().url_patterns)
    for model in apps.get_models():
        if issubclass(model, Page) and issubclass(model, RoutablePageMixin):
            for pattern in model.get_subpage_urls():
                if _exports(pattern.callback):
                    found[f"{model.__name__}:{pattern.name}"] = str(pattern.pattern)
    return found
