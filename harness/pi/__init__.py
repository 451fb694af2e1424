"""Personal-data recognisers (../shared/catalogue/RECOGNISERS.md): pure functions from recorded
content to masked ``PIMatch`` lists, a labelled corpus generator and the precision/recall meter.
The public names are re-exported by harness.capture.recognisers, where the capture code imports them."""
