// Year → make → model → trim for each car on the auto form: fills the model and trim suggestions
// (the <datalist>s the server renders) from one make's list as the shopper types, suggests a value
// from the model year, and checks a VIN as it is typed, filling in the model year and make it
// tells and saying what it cannot tell. Without JavaScript the same lists come from the server
// when the form is shown again, and the server checks the VIN on submit; nothing typed is sent.
(() => {
  const script = document.currentScript;
  if (!script || !window.fetch) return;
  const tables = {};
  let wmi = null;
  const yearCodes = "ABCDEFGHJKLMNPRSTVWXY123456789";
  const values = { A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
    S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9 };
  const weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
  const byId = (id) => document.getElementById(id);
  const row = (n) => (n === 0
    ? { year: byId("vehicle_year"), make: byId("vehicle_make"), model: byId("vehicle_model"),
        trim: byId("vehicles-0-trim"), vin: byId("vehicles-0-vin"), value: byId("vehicle_value") }
    : ["year", "make", "model", "trim", "vin", "value"].reduce((found, part) => (
      { ...found, [part]: byId(`vehicles-${n}-${part}`) }), {}));

  const table = (make) => {
    const key = make.trim().toLowerCase();
    if (!key) return Promise.resolve({});
    tables[key] = tables[key] || fetch(script.dataset.models.replace("MAKE", encodeURIComponent(make.trim())),
      { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
    return tables[key];
  };
  const fillList = (id, names) => {
    let list = byId(id);
    if (!list) { list = document.createElement("datalist"); list.id = id; document.body.appendChild(list); }
    list.replaceChildren(...names.map((name) => Object.assign(document.createElement("option"), { value: name })));
  };
  const inYear = (years, year) => !year || years.includes(year);

  const suggest = (car, n) => {
    const year = parseInt(car.year.value, 10);
    table(car.make.value).then((models) => {
      fillList(`vehicles-${n}-models`, Object.keys(models).filter((model) => Object.values(models[model])
        .some((years) => inYear(years, year))).sort());
      const trims = models[Object.keys(models).find((m) => m.toLowerCase() === car.model.value.trim().toLowerCase())] || {};
      fillList(`vehicles-${n}-trims`, Object.keys(trims).filter((t) => t && inYear(trims[t], year)).sort());
    });
    if (car.value && year > 1949) {
      const age = Math.max(0, new Date().getFullYear() - year);
      const estimate = Math.max(2000, Math.round((40000 * 0.85 ** age) / 100) * 100);
      car.value.placeholder = `About ${estimate.toLocaleString("en-US")} if left blank`;
    }
  };

  const say = (car, text) => {
    let note = byId(`${car.vin.id}-decoded`);
    if (!note) {
      note = Object.assign(document.createElement("p"), { id: `${car.vin.id}-decoded`, className: "hint" });
      note.setAttribute("aria-live", "polite");
      car.vin.insertAdjacentElement("afterend", note);
    }
    note.textContent = text;
  };
  const decode = (car, n) => {
    const vin = car.vin.value.replace(/\s/g, "").toUpperCase();
    if (vin.length !== 17) { if (vin.length > 17) say(car, "A VIN has 17 characters."); return; }
    if (/[^A-HJ-NPR-Z0-9]/.test(vin)) { say(car, "A VIN never contains I, O or Q: check it."); return; }
    const sum = [...vin].reduce((total, c, i) => total + (values[c] || Number(c) || 0) * weights[i], 0);
    if (vin[8] !== (sum % 11 === 10 ? "X" : String(sum % 11)) || !yearCodes.includes(vin[9])) {
      say(car, "The check digit (position 9) does not match: check the VIN for a typo."); return;
    }
    const year = (/[A-Z]/.test(vin[6]) ? 2010 : 1980) + yearCodes.indexOf(vin[9]);
    wmi = wmi || fetch(script.dataset.wmi, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : {}))
      .catch(() => ({}));
    wmi.then((codes) => {
      const makes = codes[vin[2] === "9" ? vin.slice(0, 3) + vin.slice(11, 14) : vin.slice(0, 3)] || [];
      if (!car.year.value) car.year.value = year;
      if (!car.make.value && makes.length === 1) car.make.value = makes[0];
      say(car, `The VIN says a ${year} model${makes.length ? ` made by ${makes.join(" or ")}` : " by a maker not in our list"}. `
        + "It does not tell the model or trim: choose those yourself.");
      suggest(car, n);
    });
  };

  for (let n = 0; n < 6; n += 1) {
    const car = row(n);
    if (!car.year || !car.make || !car.model) continue;
    [car.year, car.make, car.model].forEach((input) => input.addEventListener("change", () => suggest(car, n)));
    if (car.vin) car.vin.addEventListener("input", () => decode(car, n));
  }
})();
