"""A CronJob's timeZone is validated as upstream's validateTimeZone
(pkg/apis/batch/validation/validation.go) and honoured by the CronJob controller."""

import pytest

from playground.engine import ApiError

CRONJOB = """
apiVersion: batch/v1
kind: CronJob
metadata: {{name: nightly}}
spec:
  schedule: "30 2 * * *"
  {zone}
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{{name: report, image: busybox:1.36, command: [sh, -c, "echo hi"]}}]
"""


@pytest.mark.parametrize(
    ("zone", "message"),
    [
        ("Amsterdam", "unknown time zone Amsterdam"),
        ("Europe/Nowhere", "unknown time zone Europe/Nowhere"),
        ("../etc/passwd", "unknown time zone ../etc/passwd"),
        ("Local", "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"),
        ("", "timeZone must be nil or non-empty string"),
    ],
)
def test_a_time_zone_that_is_not_an_iana_name_is_refused(cluster, zone, message):
    with pytest.raises(ApiError) as error:
        cluster.apply(CRONJOB.format(zone=f'timeZone: "{zone}"'))
    assert error.value.code == 422
    assert error.value.message == (
        f'CronJob.batch "nightly" is invalid: spec.timeZone: Invalid value: "{zone}": {message}'
    )


def test_an_iana_time_zone_is_accepted_and_shown(cluster):
    cluster.apply(CRONJOB.format(zone="timeZone: Europe/Amsterdam"))
    assert cluster.get("CronJob", "nightly")["spec"]["timeZone"] == "Europe/Amsterdam"
    cluster.apply(CRONJOB.format(zone="").replace("nightly", "utc"))
    assert "timeZone" not in cluster.get("CronJob", "utc")["spec"]
