import uuid

from django import forms

from interplay.forms import InterplayForm


class NoteForm(InterplayForm):
    text = forms.CharField(
        label="Supervision note",
        help_text="What you discussed and agreed in supervision.",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        error_messages={
            "required": "Write the supervision note",
            "max_length": "Keep the note under 20,000 characters",
        },
    )
    # Made when the form is shown and sent back with it: a resubmission is one note.
    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)
