"""Serving pages and files by the one rule of what a visitor may see (`communes.visibility`).

Wagtail serves a page (and its routable sub-views and forms) after its `before_serve_page` hooks; documents after
its `before_serve_document` hooks; redirects from its middleware. Uploaded images and documents are served here,
at MEDIA_URL, never straight from storage (MEDIA_ROOT or a private bucket): a file of an ended commune or of an
internal process is not served to the public.
"""

import mimetypes
from urllib.parse import urlparse

from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.http.request import split_domain_port
from django.utils.cache import patch_cache_control
from wagtail.contrib.redirects.middleware import RedirectMiddleware, get_redirect
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from core.pagecache import mark_as_space_page

from .caching import SPACE_DEPTH
from .tree import site_for
from .visibility import Visibility, file_visibility, visibility_of

# How long a front cache or a browser may keep a file that anyone may see.
PUBLIC_FILE_MAX_AGE = 300
# Bytes read from the storage at a time while a file is sent.
STREAM_BLOCK_SIZE = 64 * 1024


def serve_only_what_the_visitor_may_see(page, request, serve_args, serve_kwargs):
    """A `before_serve_page` hook: the page, its sub-views and its forms, by the rule of `visible_pages`."""
    # Previews do not pass here, so editors still preview their drafts.
    if page.depth >= SPACE_DEPTH:
        # Its anonymous page depends on its commune's space, not on every listing of the site (core.pagecache).
        mark_as_space_page(request)
    visibility = visibility_of(page, request.user)
    if visibility is Visibility.SIGN_IN:
        return redirect_to_login(request.get_full_path())
    if visibility is Visibility.HIDDEN:
        raise Http404


def serve_only_visible_documents(document, request):
    """A `before_serve_document` hook: a document follows the pages that use it and its commune."""
    if not file_visibility(document, request.user):
        raise Http404


def _file_at(path):
    """The document, image or rendition stored at `path` (its image for a rendition), or None.

    Wagtail stores each kind under its own folder: the lookup starts with the table the path names (one indexed
    query for every file of the site), and tries the others only for a name stored elsewhere.
    """
    image_model = get_image_model()
    lookups = {
        "documents/": lambda: get_document_model().objects.filter(file=path).first(),
        "original_images/": lambda: image_model.objects.filter(file=path).first(),
        "images/": lambda: getattr(
            image_model.get_rendition_model().objects.filter(file=path).select_related("image").first(), "image", None
        ),
    }
    ordered = sorted(lookups.items(), key=lambda item: not path.startswith(item[0]))
    for _folder, lookup in ordered:
        if (owner := lookup()) is not None:
            return owner
    return None


def _open_stored(path):
    """The stored file at `path`, to stream from its first byte, and its size when the storage says it apart.

    A bucket (core.private_bucket) hands the object's body as it arrives: one request, the first byte at once,
    flat memory. Files on disk are opened as they are.
    """
    open_to_stream = getattr(default_storage, "open_to_stream", None)
    if open_to_stream is not None:
        return open_to_stream(path)
    return default_storage.open(path), None


def serve_media(request, path):
    """An uploaded file, to those who may see it; 404 for anything else stored under MEDIA_ROOT or in the bucket.

    The rule is asked before the storage is touched: a refused visitor costs no request to the bucket.
    """
    owner = _file_at(path)
    if owner is None:
        raise Http404
    public = file_visibility(owner, None)
    if not public and not file_visibility(owner, request.user):
        raise Http404
    try:
        stored, size = _open_stored(path)
    except FileNotFoundError:
        raise Http404 from None
    content_type, _encoding = mimetypes.guess_type(path)
    response = FileResponse(stored, content_type=content_type or "application/octet-stream")
    response.block_size = STREAM_BLOCK_SIZE
    if size is not None:
        response["Content-Length"] = size
    if public:
        patch_cache_control(response, public=True, max_age=PUBLIC_FILE_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_store=True)
    response["X-Content-Type-Options"] = "nosniff"
    # As Wagtail's own file views: an uploaded file opened on its own (an SVG, an HTML page) runs nothing.
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


def _redirect_for(request):
    path = Redirect.normalise_path(request.get_full_path(), decode_unicode=False)
    return get_redirect(request, path) or get_redirect(request, urlparse(path).path)


class VisibleRedirectMiddleware(RedirectMiddleware):
    """Wagtail's redirects, which never lead a visitor to a page they may not see (nor tell its address)."""

    def process_response(self, request, response):
        redirected = super().process_response(request, response)
        if redirected is not response:
            redirect = _redirect_for(request)
            page = redirect.redirect_page if redirect is not None else None
            if page is not None and visibility_of(page, request.user) is not Visibility.VISIBLE:
                return response
        return redirected


class KnownSiteMiddleware:
    """Wagtail finds the request's site in the database, then its root page, on every request: read them from
    the cache instead (`communes.tree.site_for`); Wagtail reads `request._wagtail_site` when it is set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        hostname = split_domain_port(request._get_raw_host())[0]
        request._wagtail_site = site_for(hostname, request.get_port())
        return self.get_response(request)
