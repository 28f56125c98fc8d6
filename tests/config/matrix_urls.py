"""Every URL pattern Django's resolver knows, filled in with the ids of another commune's objects.

The patterns are read from the resolver, not listed: an endpoint that a later Wagtail adds is requested too.
What each parameter means is guessed from the pattern's namespace (Wagtail's viewset registry maps most of them
to a model) and from the parameter's name; a pattern nothing here recognises still gets the id of every kind of
secret object in every parameter.
"""

import re
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.viewsets import viewsets
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, RevisionMixin, Site, Task, Workflow
from wagtail.snippets.models import get_snippet_models

from charter.models import LegalTextKind, LegalTextVersion
from communes.models import ConventionTextNotification
from tests.config.matrix_world import SEARCH_WORD


@dataclass(frozen=True)
class Route:
    pattern: str  # the route as the resolver shows it
    name: str  # namespaced URL name ("" when unnamed)
    params: tuple  # (name, "int" | "str")

    @property
    def view_name(self):
        return self.name.rsplit(":", 1)[-1]


def routes():
    """Every URL pattern, with its full route, namespaced name and parameters."""

    def walk(patterns, prefix="", namespaces=()):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                namespace = (pattern.namespace,) if pattern.namespace else ()
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), namespaces + namespace)
            elif isinstance(pattern, URLPattern):
                name = ":".join((*namespaces, pattern.name)) if pattern.name else ""
                yield Route(prefix + str(pattern.pattern), name, _params(pattern.pattern))

    return list(walk(get_resolver().url_patterns))


def _params(pattern):
    if isinstance(pattern, RoutePattern):
        return tuple(
            (name, "int" if type(converter).__name__ == "IntConverter" else "str")
            for name, converter in pattern.converters.items()
        )
    assert isinstance(pattern, RegexPattern)
    regex = pattern.regex
    named = tuple((name, "int" if r"\d+" in regex.pattern else "str") for name in regex.groupindex)
    unnamed = tuple((index, "str") for index in range(regex.groups - len(regex.groupindex)))
    return named or unnamed


# --- What each namespace is about -------------------------------------------------------------


def namespace_models():
    """{URL namespace: model} for every registered admin viewset (snippets, model viewsets, choosers)."""
    models = {}
    for viewset in viewsets.viewsets:
        try:
            namespace = viewset.url_namespace
        except ImproperlyConfigured:  # viewsets without a name (the page viewset) are mapped below
            continue
        model = getattr(viewset, "model", None)
        if isinstance(model, str):
            model = apps.get_model(model)
        if model is not None:
            models[namespace] = model
    return models


WAGTAIL_NAMESPACES = {
    "wagtailadmin_pages": "page",
    "wagtailadmin_explore": "page",
    "wagtailadmin_explore_root": "page",
    "wagtailadmin_explore_results": "page",
    "wagtailadmin_choose_page": "page",
    "wagtailadmin_choose_page_child": "page",
    "wagtailadmin_choose_page_search": "page",
    "wagtailadmin_choose_page_chosen_multiple": "page",
    "wagtailforms": "questionnaire",
    "wagtailadmin_editing_sessions": "page",
    "wagtailadmin_workflows": "workflow",
    "wagtailimages": "image",
    "wagtailimages_chooser": "image",
    "wagtaildocs": "document",
    "wagtaildocs_chooser": "document",
    "wagtaildocs_serve": "document",
    "wagtailadmin_collections": "collection",
    "wagtailusers_users": "user",
    "wagtailusers_groups": "group",
    "wagtailredirects": "redirect",
    "wagtailsites": "site",
    "wagtailsettings": "setting",
    "wagtailadmin_api:pages": "page",
    "wagtailadmin_api:images": "image",
    "wagtailadmin_api:documents": "document",
    "wagtailapi:pages": "page",
    "participation_moderate": "contribution",
    "participation_decide_appeal": "contribution",
    "participation_answer": "contribution",
    "participation_moderate_comment": "comment",
    "participation_decide_comment_appeal": "comment",
    "participation_export": "process",
    "participation_export_personal": "process",
    "communes_acknowledge_notification": "notification",
    "feeds": "space",
    "charter:privacy_for_commune": "space",
}


def kind_of(route, models):
    for length in range(route.name.count(":") + 1, 0, -1):
        prefix = ":".join(route.name.split(":")[:length])
        if prefix in WAGTAIL_NAMESPACES:
            return WAGTAIL_NAMESPACES[prefix]
        if prefix in models:
            return models[prefix]
    return None


# --- Values for the parameters --------------------------------------------------------------------

# What the admin API may be asked to do to a page (POST /admin/api/main/pages/<id>/action/<name>/).
PAGE_API_ACTIONS = ["copy", "move", "publish", "unpublish", "delete", "convert_alias", "revert_to_page_revision"]


def _revision_of(obj):
    revision = obj.latest_revision if isinstance(obj, RevisionMixin) else None
    return revision.pk if revision else 1


def _page_binding(page, destination):
    child_types = page.specific_class.allowed_subpage_models() or [page.specific_class]
    child = child_types[0]._meta
    return {
        "page_id": page.pk,
        "parent_page_id": page.pk,
        "page_to_move_id": page.pk,
        "destination_id": destination.pk,
        "pk": page.pk,
        "page_pk": page.pk,
        "revision_id": _revision_of(page),
        "revision_id_a": "earliest",
        "revision_id_b": "latest",
        "content_type_app_name": child.app_label,
        "content_type_model_name": child.model_name,
        "app_label": "wagtailcore",
        "model_name": "page",
        "object_id": str(page.pk),
        "action_name": "approve",
    }


def _page_bindings(route, pages, world):
    own_space, own_process = world.objects["own"]
    bindings = [_page_binding(page, own_space) for page in pages]
    names = {name for name, _kind in route.params}
    if "destination_id" in names:
        # And the other way round: the attacker's own page moved into the victim's space.
        bindings += [_page_binding(own_process, space) for space in world.objects["space"]]
    if "action_name" in names and "api" in route.name:
        bindings = [{**binding, "action_name": action} for binding in bindings for action in PAGE_API_ACTIONS]
    return bindings


def _instance_bindings(instances):
    return [
        {
            "pk": obj.pk,
            "revision_id": _revision_of(obj),
            "revision_id_a": "earliest",
            "revision_id_b": "latest",
            "image_id": obj.pk,
            "document_id": obj.pk,
            "doc_id": obj.pk,
            "collection_id": obj.pk,
            "redirect_id": obj.pk,
            "uploaded_file_id": obj.pk,
            "filter_spec": "fill-40x40",
            "task_id": obj.pk,
            "workflow_pk": obj.pk,
        }
        for obj in instances
    ]


def instances_of(model, world):
    """The victims' instances of `model`, or one instance of a model that belongs to no commune."""
    for kind, objects in world.objects.items():
        chosen = [obj for obj in objects if isinstance(obj, model)]
        if chosen and kind != "own":
            return chosen
    return list(model._default_manager.all()[:1])


def bindings(kind, route, world):
    if kind in ("page", "questionnaire"):
        return _page_bindings(route, world.objects[kind], world)
    if kind == "process":
        processes = [page for page in world.objects["page"] if page.specific_class.__name__ == "ProcessPage"]
        return [{"pk": process.pk, "file_format": fmt} for process in processes for fmt in ("csv", "xlsx")]
    if kind == "contribution":
        actions = ("approve", "reject", "hide", "restore")
        return [{"pk": item.pk, "action": action} for item in world.objects["contribution"] for action in actions]
    if kind == "comment":
        actions = ("approve", "reject", "hide", "restore")
        return [{"pk": item.pk, "action": action} for item in world.objects["comment"] for action in actions]
    if kind == "space":
        return [{"slug": space.slug} for space in world.objects["space"]]
    if kind == "workflow":
        ids = [obj.pk for obj in (*Workflow.objects.all()[:1], *Task.objects.all()[:1])] or [1]
        return [{"pk": pk, "app_label": "wagtailcore", "model_name": "groupapprovaltask"} for pk in ids]
    if kind == "setting":
        site = Site.objects.get(is_default_site=True)
        return [{"app_name": "home", "model_name": "metropolesettings", "pk": site.pk}]
    if kind == "site":
        return _instance_bindings(Site.objects.all()[:1])
    if kind == "notification":
        return _instance_bindings(ConventionTextNotification.objects.all())
    if kind == "redirect":
        return _instance_bindings(Redirect.objects.all())
    if isinstance(kind, type):
        return _instance_bindings(instances_of(kind, world))
    if kind in world.objects:
        return _instance_bindings(world.objects[kind])
    return _fallback_bindings(world)


def _fallback_bindings(world):
    """For a pattern nothing here knows: one secret object of each kind, its id in every parameter."""
    kinds = ("page", "contribution", "registration", "image", "document", "collection", "user", "group")
    return [{"*": world.objects[kind][0].pk} for kind in kinds]


GENERIC_STRINGS = {
    "app_label": "wagtailimages",
    "model_name": "image",
    "app_name": "wagtailimages",
    "token": "x",
    "uidb64": "x",
    "action": "x",
    "kind": LegalTextKind.CHARTER.value,
    "file_format": "csv",
    "slug": "laxou",
}


def _fill(route, binding):
    values = {}
    for name, kind in route.params:
        if name in binding:
            values[name] = binding[name]
        elif kind == "str" and name in GENERIC_STRINGS:
            values[name] = GENERIC_STRINGS[name]
        elif "*" in binding:
            values[name] = binding["*"] if kind == "int" else str(binding["*"])
        else:
            values[name] = 1 if kind == "int" else "x"
    return values


def _reverse(route, values):
    if isinstance(route.params[0][0], int):
        return reverse(route.name, args=[values[index] for index, _kind in route.params])
    return reverse(route.name, kwargs=values)


# --- Routes that need more than ids -----------------------------------------------------------------


def _bulk_urls(world):
    bulk_action_registry.get_bulk_actions_for_model("wagtailcore", "page")  # scans the hooks once
    for app_label, models in bulk_action_registry.actions.items():
        for model_name, actions in models.items():
            model = next(iter(actions.values())).models[0]
            for action in actions:
                base = reverse("wagtail_bulk_action", args=[app_label, model_name, action])
                if issubclass(model, Page):
                    ids = [page.pk for page in world.objects["page"]]
                    yield from (f"{base}?id=all&childOf={space.pk}" for space in world.objects["space"])
                else:
                    ids = [obj.pk for obj in instances_of(model, world)]
                yield f"{base}?{'&'.join(f'id={pk}' for pk in ids)}"


def _served_urls(world):
    """The public side of the victims' pages: the pages themselves and every sub-view of a process."""
    for page in [*world.objects["page"], *world.objects["questionnaire"]]:
        url = page.get_url() or f"/{page.slug}/"
        yield url
        if page.specific_class.__name__ == "ProcessPage":
            yield from (url + sub for sub in ("contribuer/", "inscription/", "donnees/csv/", "donnees/json/"))
            yield f"{url}contributions/{world.objects['contribution'][0].pk}/signaler/"
            yield f"{url}contributions/{world.objects['contribution'][0].pk}/commenter/"
            yield from (f"{url}commentaires/{comment.pk}/signaler/" for comment in world.objects["comment"])
            yield f"{url}contributions/{world.objects['contribution'][0].pk}/soutenir/"
    yield "/zqlxredirect"


def _unnamed_urls(route, world, models, twins):
    """A pattern without a name: the project's wrappers of Wagtail views (mounted before the admin, at the path of
    the named view they wrap, so that the named view's URLs reach them too), or one nothing here knows, filled in
    from its route with the ids of every kind of secret object. A regex nothing here knows gets no URL: the
    coverage test then fails."""
    if route.pattern.startswith("^media/"):
        return sorted(url for url in world.secret_files if url.startswith("/media/"))
    if route.pattern == "admin/^.*/$":  # the admin's "not found" for any other path
        return ["/admin/zqnowhere/"]
    twin = twins.get(route.pattern)
    if twin is not None:
        return urls_for(twin, world, models, twins)[:1]
    if "(?P" in route.pattern or "^" in route.pattern:
        return []
    urls = []
    for binding in _fallback_bindings(world):
        values = _fill(route, binding)
        urls.append(
            "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match, values=values: str(values[match.group(1)]), route.pattern)
        )
    return sorted(set(urls))


def urls_for(route, world, models, twins):
    """The concrete URLs requested for one route."""
    if route.name == "wagtail_bulk_action":
        return sorted(set(_bulk_urls(world)))
    if route.name == "wagtail_serve":
        return sorted(set(_served_urls(world)))
    if not route.name:
        return _unnamed_urls(route, world, models, twins)
    if route.name == "charter:version":
        return [reverse(route.name, args=[version.kind, version.number]) for version in LegalTextVersion.objects.all()]
    kind = kind_of(route, models)
    urls = []
    if route.params:
        for binding in bindings(kind, route, world):
            try:
                urls.append(_reverse(route, _fill(route, binding)))
            except NoReverseMatch:  # a binding that does not fit this route (another model's pattern)
                continue
        if route.name == "wagtaildocs_serve":
            urls += [document.url for document in world.objects["document"]]
    else:
        base = reverse(route.name)
        urls.append(base)
        if "chosen" in route.view_name:
            ids = [binding.get("pk", binding.get("*")) for binding in bindings(kind, route, world)]
            urls.append(f"{base}?{'&'.join(f'id={pk}' for pk in ids if pk)}")
        elif re.search(r"search|choose|index|list|results|autocomplete|listing|find", route.view_name):
            urls.append(f"{base}?q={SEARCH_WORD}&search={SEARCH_WORD}&term={SEARCH_WORD}")
    return sorted(set(urls))


def requests_by_route(world):
    """{route: [urls]} for every route of the resolver."""
    models = namespace_models()
    assert set(get_snippet_models()) <= set(models.values()), "every snippet's viewset is mapped to its model"
    every = routes()
    twins = {route.pattern: route for route in every if route.name}
    return {route: urls_for(route, world, models, twins) for route in every}


# Views that only read: a POST there is the same request as a GET, so it is not sent twice.
READ_ONLY_VIEWS = re.compile(
    r"(^|_)(index|list|results|history|usage|inspect|choose|explore|search|listing|detail|find|revisions_view"
    r"|revisions_compare|type_use|chosen|chosen_multiple)(_results)?$"
)


def sends_post(route, url):
    return f"?q={SEARCH_WORD}" not in url and not READ_ONLY_VIEWS.search(route.view_name)


# What a POST carries: the fields of every form an endpoint might accept, so that a missing permission
# check shows as a change rather than as a form error.
def post_data(world):
    charter = LegalTextVersion.objects.get(kind=LegalTextKind.CHARTER, number=1)
    terms = LegalTextVersion.objects.get(kind=LegalTextKind.TERMS, number=1)
    own_space, _own_process = world.objects["own"]
    ended_process = next(page for page in world.objects["page"] if "zqmx" in page.title)
    return {
        # What the admin API's page actions read: the ended commune's first revision, for its people to revert to.
        "api": {
            "revision_id": ended_process.revisions.order_by("pk").first().pk,
            "destination_page_id": own_space.pk,
            "recursive": False,
            "keep_live": False,
        },
        "action-publish": "action-publish",
        "title": "Pris par zqattack",
        "slug": "zqattack",
        "name": "zqattack",
        "restriction_type": "none",
        "rule_key": "respect",
        "reason": "Une raison suffisante pour décider.",
        "outcome": "overturned",
        "response": "Une réponse à l'auteur.",
        "letter_on": "2026-01-01",
        "effective_on": "2026-01-02",
        "decided_on": "2026-01-02",
        "pseudonym": "Attaquant",
        "email": "attaquant@example.org",
        "text": "Une contribution déposée par le mauvais côté.",
        "accept": "on",
        "charter_version": charter.pk,
        "terms_version": terms.pk,
        "website": "",
        "votre_avis": "zqattack",
        "needs": "",
        "explanation": "Une contestation assez longue.",
        "answer_status": "retained",
        "answer_text": "Une réponse officielle donnée par le mauvais côté.",
        "file_format": "csv",
        "new_parent_page": own_space.pk,
        "next": "/admin/",
        # A page form that validates: management forms of its stream fields and inline panels, one phase.
        "summary": "Résumé.",
        "audience": "public",
        "moderation_mode": "before",
        "accepts_contributions": "on",
        "body-count": "0",
        "intro": "",
        "phases-TOTAL_FORMS": "1",
        "phases-INITIAL_FORMS": "0",
        "phases-MIN_NUM_FORMS": "0",
        "phases-MAX_NUM_FORMS": "1000",
        "phases-0-title": "Contributions",
        "phases-0-starts_on": "2026-01-01",
        "phases-0-ends_on": "2027-12-31",
        "phases-0-description": "",
        "form_fields-TOTAL_FORMS": "0",
        "form_fields-INITIAL_FORMS": "0",
        "form_fields-MIN_NUM_FORMS": "0",
        "form_fields-MAX_NUM_FORMS": "1000",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
