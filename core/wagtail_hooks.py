from django.template.loader import render_to_string
from django.urls import reverse
from wagtail import hooks


@hooks.register("insert_global_admin_js")
def session_warning():
    """Signed-in staff are warned before their session ends, in the admin as on the public site (RGAA 13.1)."""
    return render_to_string("components/session_warning.html", {"sign_in_url": reverse("wagtailadmin_login")})
