// Checks run inside the page by test_ui_accessibility.py (WCAG 2.1 AA where it applies).
window.callrecapAudit = {
  /** Visible text whose contrast with the first opaque background behind it is below AA. */
  lowContrastText() {
    const luminance = (rgb) => {
      const [r, g, b] = rgb.map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const parse = (css) => {
      const m = css.match(/[\d.]+/g).map(Number);
      return { rgb: m.slice(0, 3), alpha: m.length > 3 ? m[3] : 1 };
    };
    const backgroundOf = (el) => {
      for (let node = el; node; node = node.parentElement) {
        const bg = parse(getComputedStyle(node).backgroundColor);
        if (bg.alpha > 0.9) return bg.rgb;
      }
      return [255, 255, 255];
    };
    const failures = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const el = text.parentElement;
      // Disabled controls are exempt in WCAG; .sr-only text is not drawn.
      if (!text.textContent.trim() || !el.checkVisibility() || el.closest(".sr-only, [disabled]")) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const style = getComputedStyle(el);
      const fg = luminance(parse(style.color).rgb);
      const bg = luminance(backgroundOf(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) failures.push(`${ratio.toFixed(2)}: ${text.textContent.trim().slice(0, 40)}`);
    }
    return failures;
  },

  /** Visible interactive elements without an accessible name. */
  unnamedControls() {
    const selector = "a[href], button, input, select, textarea, [tabindex='0']";
    return [...document.querySelectorAll(selector)]
      .filter((el) => el.checkVisibility())
      .filter((el) => {
        const named =
          el.getAttribute("aria-label") ||
          el.getAttribute("aria-labelledby") ||
          (el.labels && el.labels.length) ||
          el.textContent.trim();
        return !named;
      })
      .map((el) => el.outerHTML.slice(0, 80));
  },
};
