from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def liste(request: HttpRequest) -> HttpResponse:
    factures = selectors.liste_factures(request.user)[:500]
    return render(request, "factures/liste.html", {"factures": factures})
