from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .files import FORMATS, FileProblem, file_format
from .kinds import Kind


class ImportForm(forms.Form):
    # The app's form layout: labels without an ASCII colon, the checkbox inside its label.
    template_name = "web/forms/form.html"
    kind = forms.ChoiceField(label=_("What to import"))
    file = forms.FileField(label=_("File (.csv or .xlsx)"), widget=forms.ClearableFileInput(
        attrs={"accept": ",".join(f".{fmt}" for fmt in FORMATS)}))
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing (dry run)"),
                                 required=False)

    def __init__(self, *args: Any, kinds: Iterable[Kind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the ChoiceField declared above; the form's fields mapping types it as a plain Field
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(kind.name, kind.label)
                                                                 for kind in kinds]

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        try:
            file_format(upload.name)
        except FileProblem as exc:
            raise forms.ValidationError(exc.message) from exc
        return upload
