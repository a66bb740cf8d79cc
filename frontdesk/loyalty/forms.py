"""Forms of the loyalty pages. They validate input; the views call the services."""

from django import forms

from frontdesk.loyalty.models import Reward


class RewardForm(forms.Form):
    name = forms.CharField(max_length=120)
    points_cost = forms.IntegerField(min_value=1, max_value=10_000_000, label="Points")
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea)


class LoyaltySettingsForm(forms.Form):
    earn_rate = forms.IntegerField(
        min_value=0, max_value=1000, label="Points per currency unit paid"
    )
    point_value = forms.IntegerField(
        min_value=1, max_value=100_000, label="Value of a point (cents)"
    )
    silver = forms.IntegerField(min_value=1, label="Silver from (lifetime points)")
    gold = forms.IntegerField(min_value=1, label="Gold from")
    platinum = forms.IntegerField(min_value=1, label="Platinum from")
    expiry_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, label="Points expire after (days)",
        help_text="Leave empty: points never expire.",
    )  # fmt: skip


class PointsAddForm(forms.Form):
    points = forms.IntegerField(min_value=1, max_value=10_000_000)
    reason = forms.CharField(max_length=300)


class PointsRedeemForm(forms.Form):
    reward = forms.ModelChoiceField(queryset=Reward.objects.none(), empty_label=None)
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reward"].queryset = Reward.objects.filter(active=True)
