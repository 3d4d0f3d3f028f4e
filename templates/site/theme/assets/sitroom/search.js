// The header search: Pagefind's JS API feeding Material's search dialog (partials/search.html).
// Pagefind's bundle (pagefind/) is loaded from this site on first use, never from elsewhere.
// Results are built as DOM nodes from text: nothing from the index is parsed as HTML except
// Pagefind's excerpt, from which only text and <mark> survive.

const DEBOUNCE_MS = 120;
const SHOWN = 10; // results rendered per query (each costs one fragment request)


function siteRoot() {
  const config = JSON.parse(document.getElementById("__config").textContent);
  return new URL(config.base.replace(/\/?$/, "/"), location.href);
}

let pagefind = null;

async function engine() {
  if (pagefind === null) {
    const root = siteRoot();
    pagefind = import(new URL("pagefind/pagefind.js", root).href).then(async (module) => {
      // A shorter-page bonus below Pagefind's default (0.75): an actor page (a few names) must not
      // outrank the briefing that names the actor in its text.
      await module.options({ baseUrl: root.pathname, excerptLength: 24, ranking: { pageLength: 0.5 } });
      await module.init();
      return module;
    });
  }
  return pagefind;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Pagefind's excerpt is HTML-escaped page text with <mark> around the matches: keep exactly that.
function excerpt(html) {
  const out = element("p", "sitroom-search__excerpt");
  const body = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html").body;
  for (const node of body.childNodes) {
    if (node.nodeType === Node.ELEMENT_NODE && node.tagName === "MARK") {
      out.append(element("mark", "", node.textContent));
    } else {
      out.append(document.createTextNode(node.textContent));
    }
  }
  return out;
}

function tlpClass(label) {
  const word = label.replace(/^TLP:/, "").toLowerCase().replace(/[^a-z]+/g, "-");
  return /^(clear|green|amber|amber-strict|red)$/.test(word) ? `tlp-${word}` : "";
}

function resultItem(data) {
  const item = element("li", "md-search-result__item");
  const link = element("a", "md-search-result__link");
  link.href = data.url;
  const article = element("article", "md-search-result__article md-typeset");
  article.append(element("h1", "", data.meta.title || data.url));
  if (data.meta.tlp || data.meta.date) {
    const meta = element("p", "sitroom-search__meta");
    if (data.meta.tlp) meta.append(element("span", `tlp ${tlpClass(data.meta.tlp)}`, data.meta.tlp));
    if (data.meta.date) meta.append(" ", element("span", "sitroom-search__date", data.meta.date));
    article.append(meta);
  }
  article.append(excerpt(data.excerpt));
  link.append(article);
  item.append(link);
  return item;
}

// A theme without the dialog (partials/search.html) gets no search box, and no error.
const dialog = document.querySelector("[data-sitroom-search]");
const toggle = document.getElementById("__search");
if (dialog && toggle) start(dialog, toggle);

function start(dialog, toggle) {
  const input = dialog.querySelector(".md-search__input");
  const status = dialog.querySelector(".md-search-result__meta");
  const list = dialog.querySelector(".md-search-result__list");
  const filterBox = dialog.querySelector(".sitroom-search__filters");
  const sortSelect = dialog.querySelector("[data-sort]");

  function countText(n) {
    if (n === 0) return dialog.dataset.none;
    if (n === 1) return dialog.dataset.one;
    return dialog.dataset.other.replace("#", String(n));
  }

  function chosenFilters() {
    const filters = {};
    for (const select of dialog.querySelectorAll("[data-filter]")) {
      if (select.value) filters[select.dataset.filter] = select.value;
    }
    return filters;
  }

  let generation = 0;

  async function run(immediate) {
    const mine = ++generation;
    const query = input.value.trim();
    const filters = chosenFilters();
    const options = { filters };
    if (sortSelect.value) options.sort = { date: sortSelect.value };
    if (!query && Object.keys(filters).length === 0) {
      list.replaceChildren();
      status.textContent = dialog.dataset.placeholder;
      return;
    }
    const module = await engine();
    const search = immediate
      ? await module.search(query || null, options)
      : await module.debouncedSearch(query || null, options, DEBOUNCE_MS);
    if (search === null || mine !== generation) return; // a newer keystroke took over
    const shown = await Promise.all(search.results.slice(0, SHOWN).map((r) => r.data()));
    if (mine !== generation) return;
    list.replaceChildren(...shown.map(resultItem));
    status.textContent = countText(search.results.length);
  }

  function report(error) {
    status.textContent = "Search is unavailable.";
    console.warn("search:", error);
  }

  async function loadFilters() {
    const module = await engine();
    const available = await module.filters();
    for (const select of dialog.querySelectorAll("[data-filter]")) {
      const values = Object.keys(available[select.dataset.filter] || {}).sort();
      select.append(...values.map((value) => {
        const option = element("option", "", value);
        option.value = value;
        return option;
      }));
      select.closest("label").hidden = values.length === 0;
    }
  }

  input.addEventListener("input", () => run(false).catch(report));
  dialog.querySelector("form").addEventListener("submit", (event) => {
    event.preventDefault();
    const first = list.querySelector("a");
    if (first) location.href = first.href;
  });
  dialog.querySelector("form").addEventListener("reset", () => {
    setTimeout(() => run(true).catch(report));
  });
  for (const select of dialog.querySelectorAll("select")) {
    select.addEventListener("change", () => run(true).catch(report));
  }
  filterBox.addEventListener("toggle", () => {
    if (filterBox.open && !filterBox.dataset.loaded) {
      filterBox.dataset.loaded = "yes";
      loadFilters().catch(report);
    }
  }, { passive: true });

  // Opening the dialog focuses the box and starts loading Pagefind (a few KB) before the first key.
  toggle.addEventListener("change", () => {
    if (toggle.checked) {
      input.focus();
      engine().catch(report);
    }
  });
  input.addEventListener("focus", () => {
    if (!toggle.checked) toggle.checked = true;
    engine().catch(report);
  });
  list.addEventListener("click", () => {
    toggle.checked = false;
  });

  // Material's shortcuts: "/" or "s" opens search, Escape closes it.
  document.addEventListener("keydown", (event) => {
    const typing = event.target instanceof HTMLElement &&
      (event.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName));
    if (!toggle.checked && !typing && !event.ctrlKey && !event.metaKey && !event.altKey &&
        (event.key === "/" || event.key === "s" || event.key === "S")) {
      event.preventDefault();
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
    } else if (toggle.checked && event.key === "Escape") {
      toggle.checked = false;
      input.blur();
    }
  });
}
