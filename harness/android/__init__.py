"""The android device: WeChat (com.tencent.mm) on a phone or an emulator.

- ``adb``: shell commands as data (pure builders), parsers of their output (pure), and a thin runner
  over adbutils;
- ``prep``: what a device needs (health, frida-server, proxy, CA), as checks that change nothing and
  as idempotent preparation steps with a restore record on disk;
- ``driver``: Appium UiAutomator2 on WeChat: URL-scheme launch, popups from the UI hierarchy, OCR;
- ``ocr``: text boxes and button-like boxes on screenshots (rapidocr + OpenCV);
- ``session``: ``AndroidSession``, one scenario on one phone, the same shape as ``SimSession``.
"""
