"""Forms of the expert registry: the expert's profile, the operator's import and block forms."""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    FieldList,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from app.core.forms import MultiCheckboxField
from app.reference import priorities_by_id, priority_name
from app.scoring.forms import TRUE_WORDS


class ProfileForm(FlaskForm):
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=300)])
    languages = StringField(_l("Languages I review in"), validators=[Optional(), Length(max=300)])
    keywords = StringField(_l("Expertise keywords"), validators=[Optional(), Length(max=2000)])
    priorities = MultiCheckboxField(_l("Priority directions"), coerce=int, validate_choice=False)
    texts = FieldList(TextAreaField(_l("Publication or project"), validators=[Optional(), Length(max=20000)]),
                      min_entries=1)
    save = SubmitField(_l("Save the profile"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.priorities.choices = [(pid, priority_name(pid)) for pid in sorted(priorities_by_id())]

    def add_blank_texts(self, blanks: int = 2) -> None:
        filled = sum(1 for entry in self.texts if (entry.data or "").strip())
        while len(self.texts) < filled + blanks:
            self.texts.append_entry("")

    def payload(self) -> dict:
        def split(text):
            return [v.strip() for v in (text or "").split(",") if v.strip()]

        return {"organisation": self.organisation.data or "", "languages": split(self.languages.data),
                "keywords": split(self.keywords.data), "priorities": list(self.priorities.data or []),
                "texts": [t.strip() for t in (e.data or "" for e in self.texts) if t.strip()]}


def profile_initial(profile) -> dict:
    return {"organisation": profile.organisation, "languages": ", ".join(profile.languages or []), "keywords": ", ".join(profile.keywords or []),
            "priorities": list(profile.priorities or []), "texts": list(profile.texts or [])}


class BlockForm(FlaskForm):
    reason = TextAreaField(_l("Reason (required)"), validators=[Optional(), Length(max=2000)])


class ImportExpertsForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))])
    upload = SubmitField(_l("Import experts"))

    COLUMNS = ("email", "name", "organisation", "country", "foreign", "keywords", "texts")

    def rows(self) -> list[dict]:
        """The file's rows as the service's plain dicts. Raises ValueError (shown beside the file input)
        when the file is not a readable CSV with the expected header."""
        raw = self.file.data.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError(_("The file must be a CSV in UTF-8.")) from None
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
        if "email" not in header or "name" not in header:
            raise ValueError(_("The first line must name the columns: %(cols)s.",
                               cols=", ".join(self.COLUMNS)))
        rows = []
        for record in reader:
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items() if k}
            if not any(row.values()):
                continue
            row["foreign"] = row.get("foreign", "").lower() in TRUE_WORDS
            rows.append({k: v for k, v in row.items() if k in self.COLUMNS})
        if not rows:
            raise ValueError(_("The file has no rows."))
        return rows
