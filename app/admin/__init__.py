"""The admin area: users, roles and provider settings, every change logged with before and after."""
