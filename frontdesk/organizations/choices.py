from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    ADVISOR = "advisor", "Advisor"
    CASHIER = "cashier", "Cashier"
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
