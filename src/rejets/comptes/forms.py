"""Forms of the account pages, with their messages in French."""

from __future__ import annotations

from datetime import date

from django import forms


class CodeForm(forms.Form):
    """A six-digit code from the authenticator application."""

    code = forms.CharField(
        label="Code à 6 chiffres",
        min_length=6,
        max_length=6,
        error_messages={
            "required": "Saisissez le code à 6 chiffres affiché par votre application.",
            "min_length": "Le code a 6 chiffres.",
            "max_length": "Le code a 6 chiffres.",
        },
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit():
            raise forms.ValidationError("Le code ne contient que des chiffres.")
        return code


class FiltreAuditForm(forms.Form):
    """Filters of the audit page: cabinet, user, period."""

    cabinet = forms.TypedChoiceField(label="Cabinet", required=False, coerce=int, empty_value=None)
    utilisateur = forms.CharField(label="Utilisateur", required=False, max_length=150)
    du = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: object, cabinets: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        champ = self.fields["cabinet"]
        assert isinstance(champ, forms.TypedChoiceField)
        champ.choices = [("", "Tous les cabinets"), *cabinets]

    def clean(self) -> dict[str, object]:
        donnees = super().clean() or {}
        du, au = donnees.get("du"), donnees.get("au")
        if isinstance(du, date) and isinstance(au, date) and du > au:
            self.add_error("au", "La fin de la période précède son début.")
        return donnees
