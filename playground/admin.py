"""The admin: where an administrator makes instructor accounts and can read workshops."""

from django.contrib import admin

from playground.models import Participant, Workshop


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ("title", "instructor", "code", "starts", "ends", "capacity")
    readonly_fields = ("code", "public_id")


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("name", "workshop", "joined")
