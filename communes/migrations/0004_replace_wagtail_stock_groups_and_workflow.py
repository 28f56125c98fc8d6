"""Wagtail's stock groups and default workflow give way to the commune roles (communes/roles.py).

Wagtail's own migrations create the groups "Moderators" and "Editors", with rights on the root page, the root
collection and the admin, and a workflow "Moderators approval" on the root page. Nobody here belongs to them:
commune editors were offered "Soumettre à Moderators approval" for a group nobody is in.

- Each stock group loses its page, collection and model permissions, then goes unless someone is still in it
  (an existing install): it then stays, emptied of rights, so nobody keeps rights on the root page through it.
- The default workflow leaves every page and content type, and it and its task are deactivated; both are deleted
  unless a workflow state or a task state refers to them (the history of an existing install is kept).

Only historical models; running it twice changes nothing.
"""

from django.conf import settings
from django.db import migrations

STOCK_GROUP_NAMES = ["Moderators", "Editors"]
STOCK_WORKFLOW_NAME = "Moderators approval"
STOCK_TASK_NAME = "Moderators approval"


def empty_stock_groups(apps):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    for group in Group.objects.filter(name__in=STOCK_GROUP_NAMES):
        GroupPagePermission.objects.filter(group=group).delete()
        GroupCollectionPermission.objects.filter(group=group).delete()
        group.permissions.clear()
        if not User.objects.filter(groups=group).exists():
            group.delete()


def retire_stock_workflow(apps):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    WorkflowState = apps.get_model("wagtailcore", "WorkflowState")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    TaskState = apps.get_model("wagtailcore", "TaskState")

    workflows = Workflow.objects.filter(name=STOCK_WORKFLOW_NAME)
    WorkflowPage.objects.filter(workflow__in=workflows).delete()
    WorkflowContentType.objects.filter(workflow__in=workflows).delete()
    workflows.filter(active=True).update(active=False)
    # Deleting a workflow cascades to its states: only the ones nothing ever ran through go.
    for workflow in workflows:
        if not WorkflowState.objects.filter(workflow=workflow).exists():
            workflow.delete()  # and its WorkflowTask rows

    tasks = GroupApprovalTask.objects.filter(name=STOCK_TASK_NAME)
    tasks.filter(active=True).update(active=False)
    for task in tasks:
        # A task still in a kept workflow, or with task states, is part of that history.
        if TaskState.objects.filter(task_id=task.pk).exists() or WorkflowTask.objects.filter(task_id=task.pk).exists():
            continue
        task.delete()  # the GroupApprovalTask row, its Task row and its groups


def replace_stock_groups_and_workflow(apps, schema_editor):
    empty_stock_groups(apps)
    retire_stock_workflow(apps)


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("communes", "0003_communespacepage_privacy_controller_and_more"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailadmin", "0006_formstate"),
    ]

    operations = [
        migrations.RunPython(replace_stock_groups_and_workflow, migrations.RunPython.noop),
    ]
