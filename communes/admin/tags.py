"""Tags offered in the admin: those of the objects the user may see.

Tags are free text typed by each commune's editors, and taggit keeps one list for the whole site. Wagtail offers
it whole: the tag autocompletion of every tag field, and the "popular tags" of the image and document listings
and of the image chooser. Here each offers only the tags used on images, documents or pages the user may see in
the admin (`instances_visible_in_admin`); Métropole staff see them all.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.http import JsonResponse
from taggit.models import Tag, TaggedItem
from wagtail.admin import filters as admin_filters
from wagtail.admin.auth import require_admin_access
from wagtail.admin.models import popular_tags_for_model as wagtail_popular_tags_for_model
from wagtail.admin.views.tags import TAGS_AUTOCOMPLETE_LIMIT
from wagtail.admin.views.tags import autocomplete as wagtail_tag_autocomplete
from wagtail.images.views import chooser as image_chooser

from core.permissions import instances_visible_in_admin

from ..policies import sees_everything
from .current_request import current_user


def tags_seen_by(user, model=None):
    """The tags used on the objects (of `model`, or of any tagged model) that `user` may see in the admin."""
    content_types = ContentType.objects.filter(pk__in=TaggedItem.objects.values("content_type"))
    if model is not None:
        content_types = content_types.filter(pk=ContentType.objects.get_for_model(model).pk)
    items = TaggedItem.objects.none()
    for content_type in content_types:
        tagged = content_type.model_class()
        if tagged is not None:
            visible = instances_visible_in_admin(user, tagged).values("pk")
            items |= TaggedItem.objects.filter(content_type=content_type, object_id__in=visible)
    return Tag.objects.filter(pk__in=items.values("tag"))


@require_admin_access
def tag_autocomplete(request, app_name=None, model_name=None):
    """Wagtail's tag autocompletion, from the tags the user may see."""
    if sees_everything(request.user):
        return wagtail_tag_autocomplete(request, app_name, model_name)
    term = request.GET.get("term", "")
    if app_name or not term:  # the project has no tag model of its own
        return JsonResponse([], safe=False)
    names = tags_seen_by(request.user).filter(name__istartswith=term).order_by("name").values_list("name", flat=True)
    return JsonResponse(list(names[:TAGS_AUTOCOMPLETE_LIMIT]), safe=False)


def popular_tags_for_model(model, count=10):
    """Wagtail's "popular tags" of a model, counted on what the user of the current request may see."""
    user = current_user()
    if user is not None and sees_everything(user):
        return wagtail_popular_tags_for_model(model, count)
    if user is None:
        return Tag.objects.none()
    content_type = ContentType.objects.get_for_model(model)
    visible = instances_visible_in_admin(user, model).values("pk")
    # Counted on the user's own objects: how much other communes use a tag is theirs to know.
    seen = Q(taggit_taggeditem_items__content_type=content_type, taggit_taggeditem_items__object_id__in=visible)
    return (
        Tag.objects.filter(seen)
        .annotate(item_count=Count("taggit_taggeditem_items", filter=seen))
        .order_by("-item_count", "name")[:count]
    )


def scope_popular_tags():
    """Wagtail's listings and image chooser call `popular_tags_for_model` by the name they imported: give them
    this one (called once the apps are ready)."""
    admin_filters.popular_tags_for_model = popular_tags_for_model
    image_chooser.popular_tags_for_model = popular_tags_for_model
