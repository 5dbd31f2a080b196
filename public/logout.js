// The service already asked to log out (« Se déconnecter »): no second confirmation. Without
// JavaScript the page shows its own button.
(() => {
  const form = document.getElementById('op.logoutForm');
  if (form) form.submit();
})();
