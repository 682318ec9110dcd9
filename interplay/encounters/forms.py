from typing import Any

from django import forms

from interplay.forms import InterplayForm


class RecordForm(InterplayForm):
    prefix = "record"
    tasks_done = forms.MultipleChoiceField(
        label="What this session covered",
        help_text="The tasks of this phase of the protocol. Tick those you did.",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    previous_task_review = forms.CharField(
        label="How the work between sessions went",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )
    notes = forms.CharField(
        label="Session notes",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20000,
    )
    between_session_task = forms.CharField(
        label="Work to do before the next session",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )
    share_task = forms.BooleanField(required=False)
    risk_checked = forms.BooleanField(label="I checked risk in this session", required=False)
    risk_notes = forms.CharField(
        label="Risk notes",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )

    def __init__(
        self, *args: Any, tasks: list[tuple[str, str]], first_name: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tasks_done"].choices = tasks  # type: ignore[attr-defined]
        # Say in words whether the work will reach the patient's portal, as the box is now:
        # ticked by default once a task of the course has been shared.
        self.fields["share_task"].label = f"Share this task with {first_name} in their portal"
        shared = bool(self["share_task"].value())
        self.fields["between_session_task"].help_text = (
            f"This task will be shared with {first_name} in their portal. "
            "Untick the box below to keep it in the record only."
            if shared
            else f"This task will not be shared with {first_name}. "
            "Tick the box below to show it in their portal."
        )


class AddendumForm(InterplayForm):
    prefix = "addendum"
    text = forms.CharField(
        label="Addendum",
        help_text="Dated and added below the signed record, which stays as it was signed.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "Write the addendum"},
    )
