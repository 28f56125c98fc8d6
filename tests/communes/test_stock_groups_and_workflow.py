"""Wagtail's stock groups and default workflow give way to the commune roles (migration communes 0004).

Nobody keeps rights on the root page through "Moderators" or "Editors", no page goes through "Moderators approval",
and commune editors publish their space's pages directly. The migration is safe to run again on an existing install.
"""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowContentType,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)

migration = importlib.import_module("communes.migrations.0004_replace_wagtail_stock_groups_and_workflow")


def run_migration_again():
    migration.replace_stock_groups_and_workflow(apps, None)


def root_page():
    return Page.objects.get(depth=1)


def stock_workflow_on_root():
    """Wagtail's default workflow as its migration 0048 leaves it: one group approval task, on the root page."""
    moderators = Group.objects.get_or_create(name="Moderators")[0]
    task = GroupApprovalTask.objects.create(name="Moderators approval")
    task.groups.add(moderators)
    workflow = Workflow.objects.create(name="Moderators approval")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=root_page())
    return workflow, task


def stock_group_with_rights(name):
    """A stock group as Wagtail's migrations leave it: rights on the root page, the root collection, the admin."""
    group = Group.objects.create(name=name)
    for codename in ["add_page", "change_page", "publish_page"]:
        GroupPagePermission.objects.create(
            group=group, page=root_page(), permission=Permission.objects.get(codename=codename)
        )
    GroupCollectionPermission.objects.create(
        group=group,
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(content_type__app_label="wagtailimages", codename="add_image"),
    )
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    return group


@pytest.mark.django_db
def test_after_migrations_no_stock_group_holds_rights_on_the_root_page():
    assert not Group.objects.filter(name__in=["Moderators", "Editors"]).exists()
    assert not GroupPagePermission.objects.filter(page__depth=1).exists()


@pytest.mark.django_db
def test_after_migrations_no_page_goes_through_a_workflow():
    assert not WorkflowPage.objects.exists()
    assert not WorkflowContentType.objects.exists()
    assert not Workflow.objects.filter(active=True).exists()
    assert not GroupApprovalTask.objects.filter(active=True).exists()


def test_running_it_again_empties_a_stock_group_someone_is_in_and_takes_the_workflow_off_the_root(make_user):
    moderators = stock_group_with_rights("Moderators")
    member = make_user("ancien-moderateur", moderators)
    stock_group_with_rights("Editors")
    workflow, task = stock_workflow_on_root()

    run_migration_again()

    moderators.refresh_from_db()
    assert list(member.groups.all()) == [moderators]
    assert not moderators.permissions.exists()
    assert not moderators.page_permissions.exists()
    assert not moderators.collection_permissions.exists()
    assert not member.has_perm("wagtailadmin.access_admin")
    assert not Group.objects.filter(name="Editors").exists()
    assert not WorkflowPage.objects.exists()
    assert not Workflow.objects.filter(pk=workflow.pk).exists()
    assert not GroupApprovalTask.objects.filter(pk=task.pk).exists()


def test_running_it_twice_changes_nothing(make_user):
    make_user("ancien-moderateur", stock_group_with_rights("Moderators"))
    stock_workflow_on_root()
    run_migration_again()
    snapshot = lambda: (  # noqa: E731
        list(Group.objects.order_by("pk").values_list("pk", "name")),
        GroupPagePermission.objects.count(),
        GroupCollectionPermission.objects.count(),
        list(Workflow.objects.order_by("pk").values_list("pk", "active")),
        list(GroupApprovalTask.objects.order_by("pk").values_list("pk", "active")),
        WorkflowPage.objects.count(),
    )
    before = snapshot()

    run_migration_again()

    assert snapshot() == before


def test_a_workflow_that_already_ran_stays_as_history_but_inactive_and_off_every_page(portal):
    workflow, task = stock_workflow_on_root()
    WorkflowContentType.objects.create(workflow=workflow, content_type=ContentType.objects.get_for_model(Page))
    page_type = ContentType.objects.get_for_model(portal)
    WorkflowState.objects.create(
        workflow=workflow,
        content_type=page_type,
        base_content_type=ContentType.objects.get_for_model(Page),
        object_id=str(portal.pk),
        status=WorkflowState.STATUS_APPROVED,
    )

    run_migration_again()

    workflow.refresh_from_db()
    task.refresh_from_db()
    assert not workflow.active
    assert not task.active
    assert not WorkflowPage.objects.filter(workflow=workflow).exists()
    assert not WorkflowContentType.objects.filter(workflow=workflow).exists()
    assert WorkflowState.objects.filter(workflow=workflow).exists()


def test_a_commune_editor_publishes_directly_and_is_not_offered_a_submission(client, commune_space, essey_editor):
    client.force_login(essey_editor)

    response = client.get(reverse("wagtailadmin_pages:edit", args=[commune_space.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Publier" in html
    assert "Soumettre" not in html
    assert "Moderators approval" not in html


def test_were_workflows_turned_back_on_no_page_of_a_space_would_ask_for_approval(
    client, commune_space, essey_editor, settings
):
    settings.WAGTAIL_WORKFLOW_ENABLED = True
    client.force_login(essey_editor)

    html = client.get(reverse("wagtailadmin_pages:edit", args=[commune_space.pk])).content.decode()

    assert "Publier" in html
    assert "Soumettre" not in html
