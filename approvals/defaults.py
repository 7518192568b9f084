"""The organization's default review stages, as the migrations leave them.

`ensure_default_stages` puts back any that is missing (the test suite calls it after a
transactional test empties the tables). The migrations keep their own frozen copies, as
migrations must.
"""

# slug, name, position, eligible permission, eligible group, applies, approvals required
DEFAULT_STAGES = [
    ("channel-review", "Channel review", 10, "review_on_channel", None, "always", 1),
    ("compliance", "Compliance sign-off", 20, "", "Compliance Officer", "on_escalation", 1),
    ("crisis-team", "Crisis team approval", 30, "", "Crisis Team", "in_crisis", 2),
    ("holding-statement", "Crisis team: holding statement", 30, "", "Crisis Team", "holding_statement", 1),
]


def ensure_default_stages(ReviewStage, Group, using: str = "default") -> None:
    for slug, name, position, permission, group_name, applies, required in DEFAULT_STAGES:
        if ReviewStage.objects.using(using).filter(slug=slug, department=None, channel=None).exists():
            continue
        group = Group.objects.using(using).get_or_create(name=group_name)[0] if group_name else None
        ReviewStage.objects.using(using).create(
            slug=slug,
            name=name,
            position=position,
            eligible_permission=permission,
            eligible_group=group,
            applies=applies,
            approvals_required=required,
        )
