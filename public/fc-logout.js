// The local FranceConnect ends its session without asking, as FranceConnect v2 does.
document.getElementById('op.logoutForm')?.submit();
