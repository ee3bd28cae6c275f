/*!
Log readers (being written).
*/
