"""The password page: a password its owner chose ends the forced change at first login (or on expiry)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm


class OwnPasswordChangeForm(PasswordChangeForm):
    def save(self, commit: bool = True) -> object:
        self.user.password_set(self.cleaned_data["new_password1"], by=self.user)
        if commit:
            self.user.save()
        return self.user


class PasswordChangeView(auth_views.PasswordChangeView):
    """The owner's own new password: the forced change at first login (or on expiry) is then done. Every other
    session of the account ends (Django's session hash); this one stays signed in."""

    form_class = OwnPasswordChangeForm
    success_url = "/"
