// Progressive enhancement for password fields: "Afficher" toggles and live rule checks.
// The server stays the authority: these only help while typing.
(() => {
  for (const button of document.querySelectorAll('[data-toggle-password]')) {
    const input = document.getElementById(button.getAttribute('data-toggle-password'));
    if (!input) continue;
    button.hidden = false;
    button.addEventListener('click', () => {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.textContent = show ? 'Masquer' : 'Afficher';
      button.setAttribute('aria-pressed', String(show));
    });
  }
  for (const list of document.querySelectorAll('[data-rules-for]')) {
    const input = document.getElementById(list.getAttribute('data-rules-for'));
    const strength = document.querySelector(`[data-strength-for="${list.getAttribute('data-rules-for')}"]`);
    if (!input) continue;
    const rules = [...list.querySelectorAll('li[data-pattern]')].map((li) => ({
      li,
      re: new RegExp(li.getAttribute('data-pattern'), 'u'),
      state: li.querySelector('.rule-state'),
    }));
    if (strength) strength.hidden = false;
    const update = () => {
      let met = 0;
      for (const rule of rules) {
        const ok = rule.re.test(input.value);
        if (ok) met++;
        rule.li.setAttribute('data-state', input.value ? (ok ? 'ok' : 'ko') : 'unknown');
        if (rule.state) rule.state.textContent = ok ? 'Règle respectée : ' : 'Règle non respectée : ';
      }
      if (strength) {
        const meter = strength.querySelector('meter');
        const label = strength.querySelector('.strength-label');
        const score = met + (input.value.length >= 12 ? 1 : 0) - 1;
        meter.value = Math.max(0, score);
        label.textContent = !input.value
          ? ''
          : met < rules.length
            ? 'Faible'
            : input.value.length >= 12
              ? 'Fort'
              : 'Moyen';
      }
    };
    input.addEventListener('input', update);
    update();
  }
})();
