from django.shortcuts import render

from accounts.selectors import accounts_by_field


def home(request):
    groups = accounts_by_field()
    total = sum(len(accounts) for _, accounts in groups)
    return render(request, "portal/home.html", {"groups": groups, "total": total})
