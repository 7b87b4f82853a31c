// What the diner page and the kiosk share besides the chooser (static/chooser.js): a dish's
// picture and its lowest price.
"use strict";

const Guest = (() => {
  const { el } = Hearth;

  function picture(item) {
    if (item.image_url) return el("img", { class: "pic", src: item.image_url, alt: "" });
    // A placeholder in the dish's own first character: recognisable without a photo.
    return el("div", { class: "pic placeholder", "aria-hidden": "true" },
      (item.name_zh || item.name_en || "?").slice(0, 1));
  }

  function fromPrice(item) {
    if (item.specs && item.specs.length) return Math.min(...item.specs.map((s) => s.price));
    return item.price;
  }

  // The chooser's dialog as a guest sees it: the dish's picture on top, "Add to cart".
  function choose(item, state, onAdd) {
    Chooser.open(item, { dialog: document.getElementById("item-dialog"),
      form: document.getElementById("item-form"), groups: state.groups, items: state.items,
      head: picture(item), addText: Hearth.t("diner.add"), noteText: Hearth.t("diner.note"),
      onAdd });
  }

  return { picture, fromPrice, choose, label: (parts) => Chooser.label(parts) };
})();
