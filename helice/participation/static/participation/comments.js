// Comments (participation/_comments.html): htmx does not swap error answers by
// default; the thread's answers to a refused or invalid form (4xx) carry the
// message and the form's errors, so they replace the thread like a success.
(function () {
  "use strict";
  if (window.heliceCommentsReady) {
    return;
  }
  window.heliceCommentsReady = true;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if (status >= 400 && status < 500 && status !== 429 && target && target.id === "comments") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Too many requests (429): the answer is a whole page; say it in the thread instead.
  document.body.addEventListener("htmx:responseError", function (event) {
    var section = document.getElementById("comments");
    if (event.detail.xhr.status !== 429 || !section) {
      return;
    }
    var notice = section.querySelector(".comments-notice");
    if (notice) {
      var message = document.createElement("p");
      message.className = "message";
      message.textContent = section.getAttribute("data-too-many");
      notice.replaceChildren(message);
    }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "comments") {
      return;
    }
    // Bring the reader to the comment just written, or to the message.
    var section = document.getElementById("comments");
    var focus = section && (section.querySelector(".comment-focus") || section.querySelector(".comments-notice"));
    if (focus) {
      focus.setAttribute("tabindex", "-1");
      focus.focus();
    }
  });
})();
